package outbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
)

// Handler serves the outbox at /dev/outbox, /dev/outbox.json and
// /dev/outbox/{id}/press-hash. Mount it at "/dev/". Cross-origin form posts
// are refused (http.CrossOriginProtection).
func (o *Outbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dev/outbox", o.page)
	mux.HandleFunc("GET /dev/outbox.json", o.json)
	mux.HandleFunc("POST /dev/outbox/{id}/press-hash", o.pressHash)
	return http.NewCrossOriginProtection().Handler(mux)
}

func (o *Outbox) json(w http.ResponseWriter, _ *http.Request) {
	msgs := o.Messages()
	b, err := json.Marshal(struct {
		Messages []Message `json:"messages"`
	}{msgs})
	if err != nil {
		http.Error(w, "encode outbox", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (o *Outbox) pressHash(w http.ResponseWriter, r *http.Request) {
	err := o.PressHash(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNotFound):
		http.Error(w, "No such call.", http.StatusNotFound)
	case errors.Is(err, ErrAnswered):
		http.Error(w, "This call has already been answered.", http.StatusConflict)
	case err != nil:
		// Dev only: the developer pressing # is the one who needs the cause.
		http.Error(w, "Pressing # failed: "+err.Error(), http.StatusInternalServerError)
	default:
		http.Redirect(w, r, "/dev/outbox", http.StatusSeeOther)
	}
}

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dev outbox</title>
</head>
<body>
<main>
<h1>Dev outbox</h1>
<p>Messages carekey would have sent, newest first. Also as <a href="/dev/outbox.json">JSON</a>.</p>
{{- if .}}
<table>
<caption>Sent messages, newest first</caption>
<thead>
<tr><th scope="col">Sent</th><th scope="col">Channel</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Message</th><th scope="col">Code</th><th scope="col">Action</th></tr>
</thead>
<tbody>
{{- range .}}
<tr>
<td><time datetime="{{.SentAt}}">{{.SentAt}}</time></td>
<td>{{.Channel}}</td>
<td>{{.To}}</td>
<td>{{.Subject}}</td>
<td><pre>{{.Body}}</pre></td>
<td>{{with .Code}}<strong>{{.}}</strong>{{end}}</td>
<td>
{{- if .Pending}}
<form method="post" action="/dev/outbox/{{.ID}}/press-hash"><button type="submit">Press #</button></form>
{{- else if eq .Channel "voice"}}Answered{{end -}}
</td>
</tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>No messages yet.</p>
{{- end}}
</main>
</body>
</html>
`

func (o *Outbox) page(w http.ResponseWriter, _ *http.Request) {
	tpl, err := template.New("outbox").Parse(pageHTML)
	if err != nil {
		http.Error(w, "parse outbox page", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := tpl.Execute(&b, o.Messages()); err != nil {
		http.Error(w, "render outbox page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
