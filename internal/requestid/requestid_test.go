package requestid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/requestid"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		have string
		want bool
	}{
		{"uuid", "0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"generated", requestid.New(), true},
		{"empty", "", false},
		{"too long", strings.Repeat("a", 65), false},
		{"newline forges a line", "abc\n{\"level\":\"ERROR\"}", false},
		{"space", "a b", false},
		{"quote", `a"b`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := requestid.Valid(tc.have); got != tc.want {
				t.Errorf("Valid(%q) = %v, want %v", tc.have, got, tc.want)
			}
		})
	}
}

func TestHandlerAddsIDOnce(t *testing.T) {
	var buf bytes.Buffer
	h := requestid.NewHandler(requestid.NewHandler(slog.NewJSONHandler(&buf, nil)))
	logger := slog.New(h).With("component", "test")
	ctx := requestid.NewContext(t.Context(), "req-1")
	logger.InfoContext(ctx, "with")
	logger.InfoContext(context.Background(), "without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), buf.String())
	}
	var with, without map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &with); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &without); err != nil {
		t.Fatal(err)
	}
	if with[requestid.Key] != "req-1" || with["component"] != "test" {
		t.Errorf("line with a request: %v", with)
	}
	if strings.Count(lines[0], requestid.Key) != 1 {
		t.Errorf("request ID twice: %s", lines[0])
	}
	if _, ok := without[requestid.Key]; ok {
		t.Errorf("line without a request has an ID: %v", without)
	}
}
