// Command gendoc rewrites the generator's own comments in oauth.gen.go, so
// that go doc on package squareoauth reads as one hand-written text. It runs
// from gen.go right after oapi-codegen, as part of go generate, and make
// check-generated checks its result like the generator's.
//
// oapi-codegen adds a package comment ("provides primitives to interact with
// the openapi HTTP API") that go doc shows after doc.go's, and documents
// RawClient with its own example server and "the swagger spec". Overriding
// its templates (output-options.user-templates) would mean keeping copies of
// them, which upstream does not promise to keep stable; replacing a few doc
// comments, each found by the declaration it documents, survives a
// generator upgrade or fails loudly when it cannot.
//
// Usage: go run ./internal/gendoc oauth.gen.go
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendoc FILE.gen.go")
		os.Exit(2)
	}
	if err := rewriteFile(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// rewriteFile applies rewrite to the file at path, in place.
func rewriteFile(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := rewrite(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}
