package backchannel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
)

// EventURI is the events member that makes a JWT a back-channel logout token.
const EventURI = "http://schemas.openid.net/event/backchannel-logout"

// TokenType is the JOSE "typ" header of a logout token.
const TokenType = "logout+jwt"

// TokenTTL is how long a logout token is valid after it is issued.
const TokenTTL = 2 * time.Minute

// ErrDelivery: the client did not answer 200 or 204.
var ErrDelivery = errors.New("backchannel: logout not accepted")

// Signer gives the key that signs logout tokens (keys.Manager).
type Signer interface {
	Signing(ctx context.Context, alg string) (keys.Key, error)
}

// Config configures a Sender. Issuer, Keys, Algorithm and Clock are required.
type Config struct {
	Issuer    string
	Clients   []config.Client // those with BackchannelLogoutURI are notified
	Keys      Signer
	Algorithm string // default signing algorithm (a client's IDTokenAlg wins)
	Clock     clock.Clock
	// HTTPClient posts the tokens; default a client with a 10 s timeout that
	// follows no redirects.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Backoff is the wait before each attempt; its length is the number of
	// attempts. Default 0, 1 s, 4 s.
	Backoff []time.Duration
	// Sleep waits d or until ctx ends (tests make it return at once);
	// default a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Sender delivers logout tokens. It is safe for concurrent use.
type Sender struct {
	cfg     Config
	clients map[string]config.Client

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New checks cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.Issuer == "" || cfg.Keys == nil || cfg.Algorithm == "" || cfg.Clock == nil {
		return nil, errors.New("backchannel: incomplete config")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Backoff) == 0 {
		cfg.Backoff = []time.Duration{0, time.Second, 4 * time.Second}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	s := &Sender{cfg: cfg, clients: map[string]config.Client{}}
	for _, c := range cfg.Clients {
		if c.BackchannelLogoutURI != "" {
			s.clients[c.ID] = c
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// SessionEnded is called when sess has ended. It starts, in the background, a
// delivery to each of sess.Clients registered with a backchannel_logout_uri,
// and returns at once.
func (s *Sender) SessionEnded(ctx context.Context, sess session.Session) {
	for _, id := range sess.Clients {
		c, ok := s.clients[id]
		if !ok {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.deliver(s.ctx, c, sess.UserID, session.PublicID(sess.ID)); err != nil {
				s.cfg.Logger.WarnContext(ctx, "back-channel logout", "client", c.ID, "err", err)
			}
		}()
	}
}

// Close abandons pending retries and waits for deliveries under way.
func (s *Sender) Close() {
	s.cancel()
	s.wg.Wait()
}

// Wait waits until every delivery started so far has finished (tests).
func (s *Sender) Wait() { s.wg.Wait() }

// deliver signs a token for c and posts it, retrying per Backoff.
func (s *Sender) deliver(ctx context.Context, c config.Client, sub, sid string) error {
	tok, err := s.Token(ctx, c.ID, sub, sid)
	if err != nil {
		return err
	}
	var errs []error
	for i, d := range s.cfg.Backoff {
		if err := s.cfg.Sleep(ctx, d); err != nil {
			return fmt.Errorf("wait before attempt %d: %w", i+1, err)
		}
		err := s.post(ctx, c.BackchannelLogoutURI, tok)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", i+1, err))
	}
	return errors.Join(errs...)
}

func (s *Sender) post(ctx context.Context, uri, tok string) error {
	body := url.Values{"logout_token": {tok}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("post logout token: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("%w: status %d", ErrDelivery, resp.StatusCode)
	}
	return nil
}

// Claims are a logout token's claims.
type Claims struct {
	Issuer   string                     `json:"iss"`
	Audience string                     `json:"aud"`
	IssuedAt int64                      `json:"iat"`
	Expiry   int64                      `json:"exp"`
	ID       string                     `json:"jti"`
	Subject  string                     `json:"sub,omitempty"`
	SID      string                     `json:"sid,omitempty"`
	Events   map[string]json.RawMessage `json:"events"`
}

// Token returns a signed logout token for clientID about the session sid of
// user sub.
func (s *Sender) Token(ctx context.Context, clientID, sub, sid string) (string, error) {
	alg := s.cfg.Algorithm
	if c, ok := s.clients[clientID]; ok && c.IDTokenAlg != "" {
		alg = c.IDTokenAlg
	}
	k, err := s.cfg.Keys.Signing(ctx, alg)
	if err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: jose.JSONWebKey{Key: k.Private, KeyID: k.ID}},
		(&jose.SignerOptions{}).WithType(TokenType),
	)
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	now := s.cfg.Clock.Now()
	payload, err := json.Marshal(Claims{
		Issuer:   s.cfg.Issuer,
		Audience: clientID,
		IssuedAt: now.Unix(),
		Expiry:   now.Add(TokenTTL).Unix(),
		ID:       secret.Token(),
		Subject:  sub,
		SID:      sid,
		Events:   map[string]json.RawMessage{EventURI: json.RawMessage(`{}`)},
	})
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign logout token: %w", err)
	}
	return jws.CompactSerialize()
}
