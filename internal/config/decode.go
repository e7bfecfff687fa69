package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeProblems turns yaml.v3's decode errors ("line 4: field bogus not found
// in type config.HTTP") into Problems with the key path each one is at
// (http.bogus), found in the document's node tree, and a message a person can
// act on. An error whose place cannot be found keeps its line under the path
// "(line N)".
func decodeProblems(data []byte, te *yaml.TypeError) []Problem {
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // it decoded once already: syntax is fine
	var out []Problem
	for _, msg := range te.Errors {
		line, rest := splitLine(msg)
		path, text := placeOf(&root, line, rest)
		out = append(out, Problem{Path: path, Message: text})
	}
	return out
}

var (
	lineRE      = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownRE   = regexp.MustCompile(`^field (\S+) not found in type `)
	duplicateRE = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
	typeRE      = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

func splitLine(msg string) (int, string) {
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return 0, msg
	}
	n, _ := strconv.Atoi(m[1])
	return n, m[2]
}

// placeOf finds the key path of the error rest at line and words it.
func placeOf(root *yaml.Node, line int, rest string) (path, text string) {
	where := fmt.Sprintf("line %d", line)
	switch m := (struct{ u, d, t []string }{unknownRE.FindStringSubmatch(rest), duplicateRE.FindStringSubmatch(rest), typeRE.FindStringSubmatch(rest)}); {
	case m.u != nil:
		if p, ok := findKey(root, line, m.u[1]); ok {
			return p, "unknown key (" + where + "): check its spelling and its indentation"
		}
	case m.d != nil:
		if p, ok := findKey(root, line, m.d[1]); ok {
			return p, fmt.Sprintf("set twice (%s, and line %s before): keep one", where, m.d[2])
		}
	case m.t != nil:
		kind, value, into := m.t[1], m.t[2], m.t[3]
		p, ok := findValue(root, line, kind, value)
		if !ok {
			break
		}
		return p, fmt.Sprintf("must be %s, not %s (%s)", wantType(into), what(kind, value), where)
	}
	return "(" + where + ")", rest
}

// wantType words the Go type a value failed to decode into.
func wantType(into string) string {
	switch {
	case into == "time.Duration":
		return "a duration such as 90s, 15m or 12h"
	case into == "string":
		return "a single value"
	case into == "bool":
		return "true or false"
	case strings.HasPrefix(into, "int"), strings.HasPrefix(into, "uint"):
		return "a whole number"
	case strings.HasPrefix(into, "[]"):
		return "a list"
	}
	return "a section of keys"
}

func what(kind, value string) string {
	switch kind {
	case "seq":
		return "a list"
	case "map":
		return "a section of keys"
	}
	return strconv.Quote(value)
}

// findKey returns the path of the mapping key named key on line.
func findKey(root *yaml.Node, line int, key string) (string, bool) {
	var found string
	walk(root, "", func(path string, k, v *yaml.Node) {
		if k != nil && k.Line == line && k.Value == key && found == "" {
			found = path
		}
	})
	return found, found != ""
}

// findValue returns the path of the value of YAML kind (str, seq, map…) on
// line, with that text when the error gave it (several keys can share a line
// in flow style). The document itself is "(the whole file)".
func findValue(root *yaml.Node, line int, kind, value string) (string, bool) {
	want := map[string]yaml.Kind{"seq": yaml.SequenceNode, "map": yaml.MappingNode}[kind]
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 && want != 0 && root.Content[0].Kind == want && root.Content[0].Line == line {
		return "(the whole file)", true
	}
	var found string
	walk(root, "", func(path string, _, v *yaml.Node) {
		if found != "" || v.Line != line {
			return
		}
		if (want != 0 && v.Kind == want) || (want == 0 && v.Kind == yaml.ScalarNode && (value == "" || v.Value == value)) {
			found = path
		}
	})
	return found, found != ""
}

// walk calls fn for every node below n with its key path (and its key node
// when it is a mapping value), depth first.
func walk(n *yaml.Node, path string, fn func(path string, key, value *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walk(c, path, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			fn(p, k, v)
			walk(v, p, fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			fn(p, nil, c)
			walk(c, p, fn)
		}
	}
}
