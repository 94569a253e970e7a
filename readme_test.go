package squareoauth_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's Go blocks are compiled by TestREADMECompiles, so that a
// pasted example never meets an undefined name or a changed signature.
// An HTML comment on the line before a block says what it is:
//
//	<!-- compile: body -->   statements, compiled as the body of exactly
//	                         func run(ctx context.Context) error { … }
//	<!-- compile: decls -->  top-level declarations (functions, types)
//	<!-- compile: file -->   a whole Go file, package clause and imports included
//	<!-- compile: skip -->   not compiled (say why after "skip")
//
// Without a marker, a block that starts with a package clause is a file,
// one that starts with func, type, var, const or import is declarations,
// and anything else is a body. Bodies and declarations need no imports:
// the test adds those of readmeImports that the block uses.

// readmeImports maps the package names README blocks may use without an
// import to their import paths.
var readmeImports = map[string]string{
	"context":         "context",
	"errors":          "errors",
	"fmt":             "fmt",
	"http":            "net/http",
	"io":              "io",
	"json":            "encoding/json",
	"log":             "log",
	"oauth2":          "golang.org/x/oauth2",
	"os":              "os",
	"rand":            "crypto/rand",
	"slog":            "log/slog",
	"squareoauth":     "github.com/squareoauth/squareoauth",
	"squareoauthtest": "github.com/squareoauth/squareoauth/squareoauthtest",
	"strings":         "strings",
	"sync":            "sync",
	"testing":         "testing",
	"time":            "time",
	"url":             "net/url",
}

// readmeBlock is one fenced Go block of a Markdown file.
type readmeBlock struct {
	line int    // line of the opening fence, 1-based
	kind string // body, decls, file or skip
	src  string // the code, with the fence's indentation removed
}

var (
	goFence       = regexp.MustCompile("^( *)```go\\s*$")
	compileMarker = regexp.MustCompile(`^\s*<!--\s*compile:\s*(\w+)\b.*-->\s*$`)
)

// readmeBlocks returns the Go blocks of a Markdown document.
func readmeBlocks(markdown []byte) ([]readmeBlock, error) {
	var (
		blocks   []readmeBlock
		previous string // the last non-blank line before the current one
		open     *readmeBlock
		indent   string
		n        int
	)
	sc := bufio.NewScanner(bytes.NewReader(markdown))
	for sc.Scan() {
		n++
		line := sc.Text()
		if open != nil {
			if strings.TrimSpace(line) == "```" {
				blocks = append(blocks, *open)
				open = nil
				continue
			}
			open.src += strings.TrimPrefix(line, indent) + "\n"
			continue
		}
		if m := goFence.FindStringSubmatch(line); m != nil {
			open, indent = &readmeBlock{line: n}, m[1]
			if mm := compileMarker.FindStringSubmatch(previous); mm != nil {
				open.kind = mm[1]
			}
			continue
		}
		if strings.TrimSpace(line) != "" {
			previous = line
		}
	}
	if open != nil {
		return nil, fmt.Errorf("line %d: the Go block is never closed", open.line)
	}
	for i := range blocks {
		b := &blocks[i]
		switch b.kind {
		case "":
			b.kind = guessKind(b.src)
		case "body", "decls", "file", "skip":
		default:
			return nil, fmt.Errorf("line %d: unknown marker <!-- compile: %s -->; want body, decls, file or skip", b.line, b.kind)
		}
	}
	return blocks, sc.Err()
}

// guessKind classifies an unmarked block by its first line of code.
func guessKind(src string) string {
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		first, _, _ := strings.Cut(line, " ")
		switch first {
		case "package":
			return "file"
		case "func", "type", "var", "const", "import":
			return "decls"
		}
		return "body"
	}
	return "body"
}

// goSource turns the block into a Go file of package pkg whose positions
// name the block's lines in file.
func (b readmeBlock) goSource(file, pkg string) (string, error) {
	first := b.line + 1 // the block's first line of code
	var code string
	switch b.kind {
	case "file":
		return fmt.Sprintf("//line %s:%d\n%s", file, first, b.src), nil
	case "decls":
		code = fmt.Sprintf("//line %s:%d\n%s", file, first, b.src)
	case "body":
		// The directive numbers the func line as the fence, so the
		// block's lines keep their own numbers.
		code = fmt.Sprintf("//line %s:%d\nfunc run(ctx context.Context) error {\n%s}\n", file, b.line, b.src)
	default:
		return "", fmt.Errorf("a %s block has no Go source", b.kind)
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, "package "+pkg+"\n"+code, 0)
	if err != nil {
		return "", err
	}
	used := map[string]bool{}
	if b.kind == "body" {
		used["context"] = true // the wrapper's own parameter
	}
	ast.Inspect(f, func(n ast.Node) bool {
		// An identifier the block does not declare (Obj == nil) before a
		// dot can only be a package.
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil && readmeImports[id.Name] != "" {
				used[id.Name] = true
			}
		}
		return true
	})
	var imports []string
	for name := range used {
		imports = append(imports, fmt.Sprintf("\t%q\n", readmeImports[name]))
	}
	slices.Sort(imports)
	return fmt.Sprintf("package %s\n\nimport (\n%s)\n\n%s", pkg, strings.Join(imports, ""), code), nil
}

// compileBlocks builds every block that is not skipped, each as its own
// package inside this module (through a build overlay: nothing is written
// to the source tree), and returns the compiler's complaints.
func compileBlocks(t *testing.T, file string, blocks []readmeBlock) (string, error) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH:", err)
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	overlay := map[string]string{}
	var pkgs []string
	for _, b := range blocks {
		if b.kind == "skip" {
			continue
		}
		pkg := fmt.Sprintf("line%d", b.line)
		src, err := b.goSource(file, pkg)
		if err != nil {
			return fmt.Sprintf("%s:%d: %v", file, b.line, err), err
		}
		real := filepath.Join(tmp, pkg+".go")
		if err := os.WriteFile(real, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		// A directory starting with "_" is outside every ./... pattern.
		overlay[filepath.Join(root, "_readme", pkg, "block.go")] = real
		pkgs = append(pkgs, "./_readme/"+pkg)
	}
	if len(pkgs) == 0 {
		return "", nil
	}
	spec, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, spec, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gobin, append([]string{"build", "-overlay", overlayFile}, pkgs...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestREADMECompiles compiles every Go block of README.md (see the marker
// convention above).
func TestREADMECompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the README's blocks with the go command")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := readmeBlocks(readme)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	if out, err := compileBlocks(t, "README.md", blocks); err != nil {
		t.Errorf("README.md's Go blocks do not compile (%v):\n%s", err, out)
	}
}

// TestREADMEQuickstartIsARunBody pins the promise the Quickstart makes: its
// block is the body of func run(ctx context.Context) error, ends by
// returning, and checks err after every call.
func TestREADMEQuickstartIsARunBody(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "\n## Quickstart\n")
	if !ok {
		t.Fatal("README.md has no Quickstart section")
	}
	blocks, err := readmeBlocks([]byte(rest))
	if err != nil || len(blocks) == 0 {
		t.Fatalf("no Go block after the Quickstart heading: %v", err)
	}
	q := blocks[0]
	if q.kind != "body" {
		t.Fatalf("the Quickstart block is compiled as %q; want body", q.kind)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc run(ctx context.Context) error {\n"+q.src+"}\n", 0)
	if err != nil {
		t.Fatal(err)
	}
	stmts := f.Decls[0].(*ast.FuncDecl).Body.List
	if _, ok := stmts[len(stmts)-1].(*ast.ReturnStmt); !ok {
		t.Error("the Quickstart does not end with a return statement")
	}
	for i, s := range stmts {
		as, ok := s.(*ast.AssignStmt)
		if !ok || !slices.ContainsFunc(as.Lhs, func(e ast.Expr) bool { id, ok := e.(*ast.Ident); return ok && id.Name == "err" }) {
			continue
		}
		if i+1 == len(stmts) || !checksErr(stmts[i+1]) {
			t.Errorf("Quickstart statement %d assigns err and the next statement does not check it", i+1)
		}
	}
}

// checksErr reports whether s is "if err != nil { … }".
func checksErr(s ast.Stmt) bool {
	is, ok := s.(*ast.IfStmt)
	if !ok {
		return false
	}
	cond, ok := is.Cond.(*ast.BinaryExpr)
	if !ok || cond.Op != token.NEQ {
		return false
	}
	x, ok1 := cond.X.(*ast.Ident)
	y, ok2 := cond.Y.(*ast.Ident)
	return ok1 && ok2 && x.Name == "err" && y.Name == "nil"
}

// TestREADMECheckCatchesRot feeds the checker a document with the mistakes
// a README example tends to collect, so that a passing TestREADMECompiles
// means something.
func TestREADMECheckCatchesRot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds blocks with the go command")
	}
	doc := "# Doc\n\n```go\n" +
		"tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{Code: code})\n" +
		"```\n\n<!-- compile: decls -->\n```go\nfunc f() { squareoauth.NoSuchFunction() }\n```\n\n" +
		"<!-- compile: skip (a fragment) -->\n```go\nthis is not Go\n```\n\n" +
		"- a list item:\n\n  ```go\n  st, err := squareoauth.ParseCallback(nil, \"\")\n  ```\n"
	blocks, err := readmeBlocks([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, b := range blocks {
		kinds = append(kinds, b.kind)
	}
	if want := []string{"body", "decls", "skip", "body"}; !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v; want %v", kinds, want)
	}
	out, err := compileBlocks(t, "DOC.md", blocks)
	if err == nil {
		t.Fatal("blocks with undefined names compiled")
	}
	for _, want := range []string{"DOC.md:4:", "undefined: c", "undefined: code", "DOC.md:9:", "NoSuchFunction", "DOC.md:20:", "declared and not used: st"} {
		if !strings.Contains(out, want) {
			t.Errorf("compiler output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not Go") {
		t.Errorf("a skipped block was compiled:\n%s", out)
	}
	if _, err := readmeBlocks([]byte("<!-- compile: bdoy -->\n```go\nx\n```\n")); err == nil || !strings.Contains(err.Error(), "bdoy") {
		t.Errorf("a misspelt marker: %v; want an error naming it", err)
	}
}
