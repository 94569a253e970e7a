package squareoauth_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckGeneratedHints runs `make check-generated` in a scratch git
// repository holding this Makefile, with GO pointing at a stand-in that
// generates nothing, and checks that each state of oauth.gen.go gets the
// message that says what to do, not a bare diff.
func TestCheckGeneratedHints(t *testing.T) {
	if testing.Short() {
		t.Skip("runs make and git")
	}
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s in PATH", tool)
		}
	}
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	// The stand-in for go: generate does nothing; mod tidy -diff fails
	// when the file "untidy" exists in the directory it runs in.
	write("fakego", "#!/bin/sh\nif [ \"$1\" = mod ] && [ -e untidy ]; then echo '--- go.mod'; exit 1; fi\nexit 0\n", 0o755)
	write("Makefile", string(makefile), 0o644)
	write("internal/tools/go.mod", "module tools\n", 0o644)
	check := func() (string, bool) {
		t.Helper()
		cmd := exec.Command("make", "--no-print-directory", "check-generated", "GO="+filepath.Join(dir, "fakego"))
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err == nil
	}
	git("init", "-q")

	write("oauth.gen.go", "package x\n", 0o644)
	steps := []struct {
		name   string
		before func()
		want   string // "" for success
	}{
		{"untracked", func() {}, "oauth.gen.go is untracked: git add it and commit it"},
		{"staged new", func() { git("add", "oauth.gen.go") }, "oauth.gen.go is regenerated and staged, but not committed: commit it."},
		{"committed", func() { git("add", "."); git("commit", "-q", "-m", "x") }, ""},
		{"out of date", func() { write("oauth.gen.go", "package x\n\nvar y int\n", 0o644) }, "oauth.gen.go is out of date: run `make generate` and commit the result"},
		{"staged change", func() { git("add", "oauth.gen.go") }, "oauth.gen.go is regenerated and staged, but not committed: commit it."},
		{"untidy go.mod", func() { git("commit", "-q", "-m", "y"); write("untidy", "", 0o644) }, "go.mod or go.sum is not tidy: run `go mod tidy` and commit the result."},
		{"untidy tools go.mod", func() { _ = os.Remove(filepath.Join(dir, "untidy")); write("internal/tools/untidy", "", 0o644) }, "internal/tools/go.mod or go.sum is not tidy"},
	}
	for _, s := range steps {
		s.before()
		out, ok := check()
		switch {
		case s.want == "" && !ok:
			t.Errorf("%s: check failed:\n%s", s.name, out)
		case s.want != "" && (ok || !strings.Contains(out, s.want)):
			t.Errorf("%s: passed=%v, output:\n%s\nwant a failure saying %q", s.name, ok, out, s.want)
		}
	}
}
