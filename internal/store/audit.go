package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The audit trail is a hash chain. Each row holds PrevHash, the Hash of the
// row before it (32 zero bytes for the first row ever), and Hash, the SHA-256
// of PrevHash followed by the row's canonical content (AuditContent). Editing,
// inserting or deleting a row breaks the link to the row after it, which
// VerifyAudit names. Old rows leave only through PruneAudit, which appends a
// checkpoint event (AuditPruned) recording where the kept chain starts and
// the hash it continues from, so the chain stays verifiable.

// AuditPruned is the Type of the checkpoint event PruneAudit appends. Its
// Detail holds "first_id", the ID of the first row kept, and "prev_hash", the
// hex Hash of the last row deleted.
const AuditPruned = "audit.pruned"

// AuditHashSize is the length of PrevHash and Hash.
const AuditHashSize = sha256.Size

// ErrAuditChain reports a broken link in the audit trail; VerifyAudit wraps
// it in an *AuditChainError naming the row.
var ErrAuditChain = errors.New("store: audit chain broken")

// AuditChainError names the first row whose link to the row before it does
// not hold: the row before it (or the row itself, for the last row) was
// edited, or rows between them were inserted or deleted.
type AuditChainError struct {
	ID     int64 // the row whose link is broken
	Reason string
}

func (e *AuditChainError) Error() string {
	return fmt.Sprintf("audit chain broken at row %d: %s", e.ID, e.Reason)
}

// Unwrap makes errors.Is(err, ErrAuditChain) true.
func (e *AuditChainError) Unwrap() error { return ErrAuditChain }

// AuditContent is the canonical encoding of e that its Hash covers: the ID,
// the time in microseconds since the Unix epoch (empty when zero), Type,
// UserID, ClientID, Actor, IP and the Detail pairs sorted by key, each string
// prefixed by its length in bytes and a colon. The PostgreSQL migration that
// chained rows written before the chain existed computes the same bytes.
func AuditContent(e AuditEvent) []byte {
	var b bytes.Buffer
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	field(strconv.FormatInt(e.ID, 10))
	when := ""
	if !e.Time.IsZero() {
		when = strconv.FormatInt(e.Time.UnixMicro(), 10)
	}
	field(when)
	field(e.Type)
	field(e.UserID)
	field(e.ClientID)
	field(e.Actor)
	field(e.IP)
	keys := make([]string, 0, len(e.Detail))
	for k := range e.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys) // byte order, as COLLATE "C"
	field(strconv.Itoa(len(keys)))
	for _, k := range keys {
		field(k)
		field(e.Detail[k])
	}
	return b.Bytes()
}

// AuditHash returns the Hash of e given the Hash of the row before it.
func AuditHash(prev []byte, e AuditEvent) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(AuditContent(e))
	return h.Sum(nil)
}

// AuditLister is what VerifyAudit reads: Store.ListAudit.
type AuditLister interface {
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}

// VerifyAudit walks the whole audit trail in pages of pageSize rows (0: 1000),
// recomputing every hash from the rows' content, and returns how many rows it
// checked. The first row must start the chain (PrevHash all zero) or be the
// row the latest checkpoint (AuditPruned) names, continuing from the hash it
// recorded. A row whose PrevHash is not the recomputed hash of the row before
// it, or a last row whose Hash does not match its content, is returned as an
// *AuditChainError (errors.Is ErrAuditChain).
func VerifyAudit(ctx context.Context, l AuditLister, pageSize int) (int, error) {
	if pageSize <= 0 {
		pageSize = 1000
	}
	var (
		n          int
		first      AuditEvent
		prev       AuditEvent // as stored
		prevHash   []byte     // recomputed hash of prev
		checkpoint map[string]string
	)
	for after := int64(0); ; {
		page, err := l.ListAudit(ctx, AuditFilter{AfterID: after, Limit: pageSize})
		if err != nil {
			return n, fmt.Errorf("verify audit: %w", err)
		}
		for _, e := range page {
			if n == 0 {
				first = e // its PrevHash is checked against the checkpoint at the end
			} else if !bytes.Equal(e.PrevHash, prevHash) {
				return n, &AuditChainError{ID: e.ID, Reason: fmt.Sprintf("it does not hold the hash of row %d (that row was changed, or rows between were removed or added)", prev.ID)}
			}
			if e.Type == AuditPruned {
				checkpoint = e.Detail
			}
			prevHash = AuditHash(e.PrevHash, e)
			prev = e
			n++
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	if n == 0 {
		return 0, nil
	}
	if !bytes.Equal(prev.Hash, prevHash) {
		return n, &AuditChainError{ID: prev.ID, Reason: "the last row does not match its hash (it was changed)"}
	}
	if !bytes.Equal(first.PrevHash, make([]byte, AuditHashSize)) {
		if checkpoint == nil {
			return n, &AuditChainError{ID: first.ID, Reason: "the first row does not start the chain and no checkpoint says rows were pruned"}
		}
		if checkpoint["first_id"] != strconv.FormatInt(first.ID, 10) || checkpoint["prev_hash"] != hex.EncodeToString(first.PrevHash) {
			return n, &AuditChainError{ID: first.ID, Reason: fmt.Sprintf("the first row is not where the latest checkpoint says the chain continues (row %s)", checkpoint["first_id"])}
		}
	}
	return n, nil
}

// AuditCheckpoint returns the checkpoint event PruneAudit appends at now
// after deleting every row before firstKept, the last of which had hash
// lastDeleted.
func AuditCheckpoint(now time.Time, firstKept int64, lastDeleted []byte, deleted int) AuditEvent {
	return AuditEvent{Time: now, Type: AuditPruned, Actor: "system", Detail: map[string]string{
		"first_id":  strconv.FormatInt(firstKept, 10),
		"prev_hash": hex.EncodeToString(lastDeleted),
		"deleted":   strconv.Itoa(deleted),
	}}
}
