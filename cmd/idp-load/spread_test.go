package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// Requests for the issuer go to each replica in turn, with the issuer's
// Host; other hosts are left alone.
func TestSpreadAcrossReplicas(t *testing.T) {
	var servers []*httptest.Server
	var addrs []string
	for i := range 2 {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%d %s", i, r.Host)
		}))
		t.Cleanup(s.Close)
		servers = append(servers, s)
		u, _ := url.Parse(s.URL)
		addrs = append(addrs, u.Host)
	}
	c := &http.Client{Transport: &spread{next: http.DefaultTransport, host: "idp.invalid:8080", to: addrs}}
	var got []string
	for range 4 {
		resp, err := c.Get("http://idp.invalid:8080/signin")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, string(b))
	}
	want := []string{"0 idp.invalid:8080", "1 idp.invalid:8080", "0 idp.invalid:8080", "1 idp.invalid:8080"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("answers %q, want %q", got, want)
	}
	resp, err := c.Get(servers[1].URL + "/other")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b)[0] != '1' {
		t.Errorf("another host went to %q", b)
	}
}
