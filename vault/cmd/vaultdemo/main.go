// Command vaultdemo shows the vault at work on the embedded default, with
// no setup: an in-process fake Square, one SQLite file in a temporary
// directory, and several processes (this program started again) sharing
// it. It shows one refresh for every process asking at once, a signed
// revocation webhook received by one instance and honoured by all, and the
// vault's list of sellers. It prints no token or key.
//
//	go run ./cmd/vaultdemo
package main

import (
	"fmt"
	"io"
	"os"
)

// roleEnv is set in the processes the demo starts, and not in the one the
// user started.
const roleEnv = "VAULTDEMO_ROLE"

func main() {
	if os.Getenv(roleEnv) != "" {
		os.Exit(instance(os.Stdin, os.Stdout))
	}
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vaultdemo:", err)
		os.Exit(1)
	}
}

// run plays the demo, writing what happens to out.
func run(out io.Writer) error {
	d, err := newDemo(out)
	if err != nil {
		return err
	}
	defer d.close()
	return d.play()
}
