package twilio

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
)

// noKeyPress is said when the Gather times out.
const noKeyPress = "We did not receive a key press. Goodbye."

type say struct {
	Language string `xml:"language,attr"`
	Text     string `xml:",chardata"`
}

type gather struct {
	NumDigits   string `xml:"numDigits,attr"`
	FinishOnKey string `xml:"finishOnKey,attr"`
	Timeout     string `xml:"timeout,attr"`
	Action      string `xml:"action,attr"`
	Method      string `xml:"method,attr"`
	Say         say    `xml:"Say"`
}

type gatherResponse struct {
	XMLName xml.Name `xml:"Response"`
	Gather  gather   `xml:"Gather"`
	Say     say      `xml:"Say"`
}

type sayResponse struct {
	XMLName xml.Name  `xml:"Response"`
	Say     say       `xml:"Say"`
	Hangup  *struct{} `xml:"Hangup"`
}

// GatherTwiML returns the TwiML of a sign-in call: text is said inside a
// <Gather> of one digit with no finishing key, so that # itself is the digit
// gathered and is posted to action; without a key press within 10 seconds,
// the call says goodbye. Text and action are XML-escaped.
func GatherTwiML(action, text string) (string, error) {
	return marshal(gatherResponse{
		Gather: gather{
			NumDigits: "1", FinishOnKey: "", Timeout: "10", Action: action, Method: "POST",
			Say: say{Language: "en-GB", Text: text},
		},
		Say: say{Language: "en-GB", Text: noKeyPress},
	})
}

// SayTwiML returns TwiML that says text and hangs up: the answer to the
// Gather webhook.
func SayTwiML(text string) (string, error) {
	return marshal(sayResponse{Say: say{Language: "en-GB", Text: text}, Hangup: &struct{}{}})
}

// WriteTwiML answers a webhook with SayTwiML(text).
func WriteTwiML(w http.ResponseWriter, text string) {
	s, err := SayTwiML(text)
	if err != nil {
		http.Error(w, "bad TwiML", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write([]byte(s))
}

func marshal(v any) (string, error) {
	var b bytes.Buffer
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return "", fmt.Errorf("twilio: encode TwiML: %w", err)
	}
	return b.String(), nil
}
