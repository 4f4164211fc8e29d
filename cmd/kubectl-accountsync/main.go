// Command kubectl-accountsync is the AccountSync kubectl plugin: `kubectl accountsync status`,
// `review`, `map`, `plan`, `sync` and `explain` (see docs/review.md). kubectl finds it on PATH
// by its name; `make install-plugin` puts it there.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/accountsync/accountsync-operator/internal/review"
)

func main() {
	os.Exit(review.Run(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}
