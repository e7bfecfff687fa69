package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader and validator.
// Invariants: nothing panics; loading gives an error or a config, never
// both nor neither; Validate gives nil or a *ValidationError whose problems
// all have a path and a message.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"dev.yaml", "example.yaml"} {
		data, err := os.ReadFile(filepath.Join(configsDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"null",
		"- a\n- b",
		"issuer: [",
		"issuer: a\nissuer: b",
		"a: &a [*a, *a]",
		"x: &x {y: *x}\nissuer: *x",
		"clients: [{id: a, id: b}]",
		"clients: [{}, {}, {public: true, secret_hash_file: s}]",
		"keys: {pepper_file: /dev/zero, encryption_key_file: ../../../../etc/passwd}",
		"http: {read_timeout: 9999999999999h}",
		"postgres: {max_conns: 99999999999}",
		"issuer: \"http://localhost:8080\\r\\nX: y\"",
		"---\n---\n",
		"\t",
		"issuer: !!binary aGVsbG8=",
		"sessions: {idle_timeout: -1ns, absolute_timeout: -2ns}",
	} {
		f.Add([]byte(s))
	}
	// readFile stands in for the disk: files named "*ok*" hold a secret,
	// others do not exist; the fuzzer never reads real files.
	readFile := func(name string) ([]byte, error) {
		if strings.Contains(filepath.Base(name), "ok") {
			return []byte(goodPepper), nil
		}
		return nil, fs.ErrNotExist
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, skip := range []bool{false, true} {
			l, err := loadBytes(data, "/fuzz", Options{SkipMissingSecretFiles: skip, Env: func(string) string { return "" }}, readFile)
			if (err == nil) == (l.cfg == nil) {
				t.Fatalf("loadBytes returned config %v and error %v", l.cfg != nil, err)
			}
			if err != nil {
				continue
			}
			for _, m := range []Mode{ModeServe, ModeDev} {
				err := l.cfg.Validate(m)
				if err == nil {
					continue
				}
				var ve *ValidationError
				if !errors.As(err, &ve) || len(ve.Problems) == 0 {
					t.Fatalf("Validate(%s) = %#v", m, err)
				}
				for _, p := range ve.Problems {
					if p.Path == "" || p.Message == "" {
						t.Fatalf("Validate(%s): problem %+v lacks a path or message", m, p)
					}
				}
			}
		}
	})
}
