package config

import "strings"

// Problem is one thing wrong with a config: the key path it concerns
// (clients[1].redirect_uris[0]) and what is wrong, never the secret value.
type Problem struct {
	Path    string
	Message string
}

// String returns "path: message".
func (p Problem) String() string { return p.Path + ": " + p.Message }

// ValidationError lists every problem found in a config, in file order.
type ValidationError struct {
	Problems []Problem
}

// Error returns one "path: message" line per problem.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
