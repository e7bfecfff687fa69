package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxSecretFileBytes bounds what a *_file may hold, so a path such as
// /dev/zero cannot exhaust memory.
const maxSecretFileBytes = 64 << 10

// Options control Load and Check.
type Options struct {
	// Env looks up IDP_* overrides; main passes os.Getenv, tests a map
	// lookup. Nil means no overrides.
	Env func(string) string
	// SkipMissingSecretFiles makes a *_file that does not exist no error: the
	// secret it names counts as provided and Check does not check its value.
	// For `idp config check` on a machine without the deployment's secrets;
	// `idp serve` leaves it false.
	SkipMissingSecretFiles bool
	// MissingSecretFile, if set, is called for each *_file skipped under
	// SkipMissingSecretFiles, with its key path (keys.pepper_file) and the
	// file name as resolved.
	MissingSecretFile func(key, file string)
	// DevPort, if set, moves dev mode to this loopback port and the
	// dashboard to the next (Config.MoveDevPorts), before validation. Dev
	// mode only: Check refuses it for serve.
	DevPort int
}

// loaded is a decoded config with what Load found along the way.
type loaded struct {
	cfg *Config
	// problems from env overrides and *_file resolution.
	problems []Problem
	// unchecked holds the key paths (keys.pepper) of secrets whose file was
	// skipped or could not be read: Validate does not report them again.
	unchecked map[string]bool
}

// Load reads the YAML file at path, applies IDP_* overrides and *_file
// secrets and fills defaults; see the package doc for the order. It does not
// validate. A syntax, unknown-key or duplicate-key error is returned with its
// line number; problems with overrides or secret files come back together as
// a *ValidationError.
func Load(path string, opts Options) (*Config, error) {
	l, err := load(path, opts)
	if err != nil {
		return nil, err
	}
	if len(l.problems) > 0 {
		return nil, fmt.Errorf("%s: %w", path, &ValidationError{Problems: l.problems})
	}
	return l.cfg, nil
}

// Check loads the file at path and validates it for mode, returning every
// problem found by either step in one *ValidationError. It is what
// `idp config check FILE` and `idp serve` run before anything starts.
func Check(path string, opts Options, mode Mode) (*Config, error) {
	l, err := load(path, opts)
	if err != nil {
		return nil, err
	}
	if opts.DevPort != 0 {
		if mode != ModeDev {
			return nil, fmt.Errorf("a dev port is for idp dev only")
		}
		if err := l.cfg.MoveDevPorts(opts.DevPort); err != nil {
			return nil, err
		}
	}
	problems := append(l.problems, l.cfg.validate(mode, l.unchecked)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	return l.cfg, nil
}

func load(path string, opts Options) (loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return loaded{}, fmt.Errorf("read config: %w", err)
	}
	l, err := loadBytes(data, filepath.Dir(path), opts, readSecretFile)
	if err != nil {
		return loaded{}, fmt.Errorf("decode config %s: %w", path, err)
	}
	return l, nil
}

// loadBytes runs the load steps on data; relative *_file paths are taken
// from dir and read with readFile.
func loadBytes(data []byte, dir string, opts Options, readFile func(string) ([]byte, error)) (loaded, error) {
	cfg, decodeErr := decode(data)
	var te *yaml.TypeError
	switch {
	case errors.As(decodeErr, &te) && cfg != nil:
		// Keys of the wrong type or unknown: carry on with what decoded, so
		// every problem is reported at once, each at its key path.
	case decodeErr != nil:
		return loaded{}, decodeErr
	}
	l := loaded{cfg: cfg, unchecked: map[string]bool{}}
	if te != nil {
		l.problems = decodeProblems(data, te)
	}
	l.problems = append(l.problems, applyEnv(cfg, opts.Env)...)
	l.problems = append(l.problems, resolveFiles(cfg, dir, opts, readFile, l.unchecked)...)
	l.problems = append(l.problems, resolveBrandFiles(&cfg.Branding, dir, opts, readFile)...) // branding.go
	applyDefaults(cfg)
	return l, nil
}

// decode decodes one YAML document strictly. An empty document gives an
// empty Config, for Validate to report what is missing.
func decode(data []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			return &c, nil
		case errors.As(err, &te):
			return &c, err // what decoded, and what did not
		}
		return nil, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return &c, nil
	case err != nil:
		return nil, err
	default:
		return nil, fmt.Errorf("line %d: a second YAML document: the config is one document", extra.Line)
	}
}

// secretRef ties a secret (key is its path, e.g. keys.pepper) to its *_file.
type secretRef struct {
	key         string
	value, file *string
}

func secretRefs(c *Config) []secretRef {
	refs := []secretRef{
		{"postgres.url", &c.Postgres.URL, &c.Postgres.URLFile},
		{"redis.password", &c.Redis.Password, &c.Redis.PasswordFile},
		{"redis.sentinel_password", &c.Redis.SentinelPassword, &c.Redis.SentinelPasswordFile},
		{"keys.encryption_key", &c.Keys.EncryptionKey, &c.Keys.EncryptionKeyFile},
		{"keys.previous_encryption_key", &c.Keys.PreviousEncryptionKey, &c.Keys.PreviousEncryptionKeyFile},
		{"keys.pepper", &c.Keys.Pepper, &c.Keys.PepperFile},
		{"keys.previous_pepper", &c.Keys.PreviousPepper, &c.Keys.PreviousPepperFile},
	}
	for i := range c.Clients {
		cl := &c.Clients[i]
		refs = append(refs, secretRef{fmt.Sprintf("clients[%d].secret_hash", i), &cl.SecretHash, &cl.SecretHashFile},
			secretRef{fmt.Sprintf("clients[%d].jwks", i), &cl.JWKS, &cl.JWKSFile}) // public keys, read the same way
	}
	refs = append(refs, phoneSecretRefs(c)...) // sms, voice (phone.go)
	refs = append(refs, emailSecretRefs(c)...) // email.go
	return refs
}

// resolveFiles replaces each set *_file by the trimmed contents of its file.
// Keys whose file was skipped or unreadable are added to unchecked.
func resolveFiles(c *Config, dir string, opts Options, readFile func(string) ([]byte, error), unchecked map[string]bool) []Problem {
	var ps []Problem
	for _, r := range secretRefs(c) {
		if *r.file == "" {
			continue
		}
		fileKey := r.key + "_file"
		if *r.value != "" {
			ps = append(ps, Problem{fileKey, fmt.Sprintf("set only one of %s and %s", r.key, fileKey)})
			continue
		}
		name := *r.file
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		data, err := readFile(name)
		switch {
		case errors.Is(err, fs.ErrNotExist) && opts.SkipMissingSecretFiles:
			unchecked[r.key] = true
			if opts.MissingSecretFile != nil {
				opts.MissingSecretFile(fileKey, name)
			}
		case err != nil:
			unchecked[r.key] = true
			ps = append(ps, Problem{fileKey, fmt.Sprintf("cannot read secret file: %v", err)})
		default:
			v := strings.TrimSpace(string(data))
			if v == "" {
				unchecked[r.key] = true
				ps = append(ps, Problem{fileKey, fmt.Sprintf("secret file %s is empty", name)})
				continue
			}
			*r.value = v
		}
	}
	return ps
}

// readSecretFile reads a regular file of at most maxSecretFileBytes. It
// refuses devices and FIFOs, which could block or never end.
func readSecretFile(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSecretFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxSecretFileBytes)
	}
	return data, nil
}
