package twilio

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/carekey/carekey/pkg/text"
)

// noKeyPress is said when the Gather times out.
const noKeyPress text.ID = "notify.call.no_key_press"

type say struct {
	Language string `xml:"language,attr"`
	Voice    string `xml:"voice,attr,omitempty"`
	Text     string `xml:",chardata"`
}

// sayIn says words in l: in Welsh ("cy-GB") with Amazon Polly's Welsh voice,
// Gwyneth, since Twilio's default voice speaks no Welsh (an invalid
// voice and language pair fails the <Say>); in British English otherwise,
// with Twilio's default voice.
func sayIn(l text.Lang, words string) say {
	if l == text.Welsh {
		return say{Language: "cy-GB", Voice: "Polly.Gwyneth", Text: words}
	}
	return say{Language: "en-GB", Text: words}
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

// GatherTwiML returns the TwiML of a sign-in call in English: see
// GatherTwiMLIn.
func GatherTwiML(action, words string) (string, error) {
	return GatherTwiMLIn(text.English, action, words)
}

// GatherTwiMLIn returns the TwiML of a sign-in call worded in l: words are
// said inside a <Gather> of one digit with no finishing key, so that #
// itself is the digit gathered and is posted to action; without a key press
// within 10 seconds, the call says goodbye in l. Words and action are
// XML-escaped.
func GatherTwiMLIn(l text.Lang, action, words string) (string, error) {
	return marshal(gatherResponse{
		Gather: gather{
			NumDigits: "1", FinishOnKey: "", Timeout: "10", Action: action, Method: "POST",
			Say: sayIn(l, words),
		},
		Say: sayIn(l, l.Get(noKeyPress)),
	})
}

// SayTwiML returns TwiML that says words in English and hangs up: the
// answer to the Gather webhook.
func SayTwiML(words string) (string, error) { return SayTwiMLIn(text.English, words) }

// SayTwiMLIn returns TwiML that says words, worded in l, and hangs up.
func SayTwiMLIn(l text.Lang, words string) (string, error) {
	return marshal(sayResponse{Say: sayIn(l, words), Hangup: &struct{}{}})
}

// WriteTwiML answers a webhook with SayTwiML(words).
func WriteTwiML(w http.ResponseWriter, words string) { WriteTwiMLIn(w, text.English, words) }

// WriteTwiMLIn answers a webhook with SayTwiMLIn(l, words), e.g. with
// l.Get("notify.call.confirmed") or l.Get("notify.call.not_hash").
func WriteTwiMLIn(w http.ResponseWriter, l text.Lang, words string) {
	s, err := SayTwiMLIn(l, words)
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
