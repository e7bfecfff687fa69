package app_test

import (
	"net/http"
	"testing"

	"github.com/carekey/carekey/internal/config"
)

func TestDevOutboxServedOnlyInDevMode(t *testing.T) {
	e := start(t, false)
	resp, err := e.srv.Client().Get(e.issuer + "/dev/outbox.json")
	if err != nil {
		t.Fatal(err)
	}
	if body := mustStatus(t, resp, http.StatusOK); body != `{"messages":[]}`+"\n" && body != `{"messages":[]}` {
		t.Errorf("empty outbox = %q", body)
	}
	if e.app.Senders().Outbox == nil {
		t.Error("dev mode has no outbox")
	}
}

func TestNoDevOutboxInProduction(t *testing.T) {
	e := startWith(t, true, func(c *config.Config) { c.Dev.Outbox = false })
	resp, err := e.srv.Client().Get(e.issuer + "/dev/outbox.json")
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode == http.StatusOK {
		t.Error("production mode serves the dev outbox")
	}
}
