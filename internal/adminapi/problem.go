package adminapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/adminclient"
)

// Problem types (RFC 9457 "type" members).
const (
	typeValidation   = "urn:carekey:problem:validation"
	typeBadRequest   = "urn:carekey:problem:bad-request"
	typeNotFound     = "urn:carekey:problem:not-found"
	typeConflict     = "urn:carekey:problem:conflict"
	typeUnauthorized = "urn:carekey:problem:unauthorized"
	typeForbidden    = "urn:carekey:problem:forbidden"
	typeTooLarge     = "urn:carekey:problem:too-large"
	typeMethod       = "urn:carekey:problem:method-not-allowed"
	typeInternal     = "urn:carekey:problem:internal"
)

// problem is an RFC 9457 problem details object: adminclient.Problem,
// which the client decodes.
type problem = adminclient.Problem

// fieldError names one invalid field of a request.
func fieldError(field, message string) adminclient.FieldError {
	return adminclient.FieldError{Field: field, Message: message}
}

func writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func validationProblem(fields ...adminclient.FieldError) problem {
	return problem{Type: typeValidation, Title: "Invalid request", Status: http.StatusBadRequest,
		Detail: "one or more fields are invalid", Errors: fields}
}

func notFound(detail string) problem {
	return problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: detail}
}

// fail turns a service error into a problem; unexpected errors are logged
// here, once, and answered with a 500 that reveals nothing.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error, notFoundDetail string) {
	var ve *accounts.ValidationError
	switch {
	case errors.As(err, &ve):
		fields := make([]adminclient.FieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			fields[i] = fieldError(f.Field, f.Message)
		}
		writeProblem(w, r, validationProblem(fields...))
	case errors.Is(err, store.ErrNotFound):
		writeProblem(w, r, notFound(notFoundDetail))
	case errors.Is(err, store.ErrConflict):
		writeProblem(w, r, problem{Type: typeConflict, Title: "Conflict", Status: http.StatusConflict,
			Detail: "a different live grant of this account to this user exists: revoke it first"})
	default:
		a.cfg.Logger.ErrorContext(r.Context(), "admin api", "method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, r, problem{Type: typeInternal, Title: "Internal server error", Status: http.StatusInternalServerError})
	}
}

// decode reads a JSON body into v strictly: at most MaxBodyBytes, no unknown
// fields, nothing after the value. It writes the problem and returns false if
// the body is unusable.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeProblem(w, r, problem{Type: typeBadRequest, Title: "Bad request", Status: http.StatusUnsupportedMediaType,
			Detail: "the body must be application/json"})
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, r, problem{Type: typeTooLarge, Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("the body must be at most %d bytes", a.cfg.MaxBodyBytes)})
			return false
		}
		writeProblem(w, r, problem{Type: typeBadRequest, Title: "Bad request", Status: http.StatusBadRequest, Detail: "unreadable body"})
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeProblem(w, r, problem{Type: typeBadRequest, Title: "Bad request", Status: http.StatusBadRequest,
			Detail: "malformed JSON body: " + err.Error()})
		return false
	}
	if dec.More() {
		writeProblem(w, r, problem{Type: typeBadRequest, Title: "Bad request", Status: http.StatusBadRequest,
			Detail: "malformed JSON body: data after the object"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
