package main

import (
	"fmt"
	"go/format"
	"strings"
)

// docs are the doc comments gendoc writes, each keyed by the start of the
// one line it documents. They point users of the low-level API back to
// squareoauth.New, which is what nearly everyone wants.
var docs = []struct{ decl, doc string }{
	{"type RawClient struct {", `
RawClient is the low-level client generated from openapi.yaml: one method
per operation, returning the raw *http.Response. It sets no headers of its
own (no Authorization, no Square-Version), has no timeout unless its Client
has one, and retries nothing. Use [New] and [Client] instead; [Client.Raw]
returns the [ClientWithResponses] that wraps a RawClient configured like
the Client.`},
	{"\tServer string", `
Server is the base URL, such as [ProductionURL] or [SandboxURL]; the
operation paths (/oauth2/token, …) are appended to it, after any path it
has.`},
	{"func NewClient(", `
NewClient returns a low-level [RawClient] for the base URL server. It is
not [New]: the client it returns sends none of the headers Square requires,
and without [WithHTTPClient] it uses an http.Client with no timeout.`},
	{"type ClientWithResponses struct {", `
ClientWithResponses is the low-level client whose methods decode the answer
into the generated *Result types. [Client.Raw] returns one configured like
the [Client]; its results keep the raw body, tokens included.`},
	{"func NewClientWithResponses(", `
NewClientWithResponses returns a [ClientWithResponses] around
[NewClient](server, opts...). Most callers want [New], or [Client.Raw] for
an operation this package does not wrap.`},
}

// rewrite returns src with the generator's package comment dropped and the
// doc comments in docs put in place.
func rewrite(src []byte) ([]byte, error) {
	lines := strings.Split(string(src), "\n")
	lines, err := dropPackageComment(lines)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if lines, err = replaceDoc(lines, d.decl, d.doc); err != nil {
			return nil, err
		}
	}
	out, err := format.Source([]byte(strings.Join(lines, "\n")))
	if err != nil {
		return nil, fmt.Errorf("the rewritten file is not Go: %w", err)
	}
	return out, nil
}

// dropPackageComment keeps only the "Code generated … DO NOT EDIT." line of
// the comment above the package clause, and separates it from the clause by
// a blank line, so that it is no package documentation either: doc.go holds
// all of that.
func dropPackageComment(lines []string) ([]string, error) {
	pkg := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "package ") {
			pkg = i
			break
		}
	}
	if pkg < 0 {
		return nil, fmt.Errorf("no package clause")
	}
	var header []string
	generated := false
	for _, l := range lines[:pkg] {
		if strings.HasPrefix(l, "// Code generated ") && strings.HasSuffix(l, " DO NOT EDIT.") {
			header = append(header, l)
			generated = true
		} else if strings.TrimSpace(l) != "" && strings.TrimSpace(l) != "//" && !strings.HasPrefix(l, "// Package ") {
			// Anything but the generator's two lines (a build
			// constraint, say) is kept where it was.
			header = append(header, l)
		}
	}
	if !generated {
		return nil, fmt.Errorf(`no "// Code generated … DO NOT EDIT." line above the package clause`)
	}
	return append(append(header, ""), lines[pkg:]...), nil
}

// replaceDoc replaces the comment lines directly above the one line that
// starts with decl by doc, indented like that line.
func replaceDoc(lines []string, decl, doc string) ([]string, error) {
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(l, decl) {
			if at >= 0 {
				return nil, fmt.Errorf("%q starts more than one line", decl)
			}
			at = i
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("no line starts with %q: the generator's output changed; update internal/gendoc", decl)
	}
	start := at
	for start > 0 && strings.HasPrefix(strings.TrimSpace(lines[start-1]), "//") {
		start--
	}
	indent := decl[:len(decl)-len(strings.TrimLeft(decl, "\t"))]
	var comment []string
	for _, l := range strings.Split(strings.TrimSpace(doc), "\n") {
		comment = append(comment, indent+"// "+l)
	}
	out := append([]string{}, lines[:start]...)
	out = append(out, comment...)
	return append(out, lines[at:]...), nil
}
