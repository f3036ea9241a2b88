// Command mkfixture writes the Didi emulator's default fixture, built from company.Default().
//
// Usage (from internal/emulator/didi, via go generate):
//
//	go run ./mkfixture -o fixture.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/specpipe/specpipe/internal/emulator/company"
	"github.com/specpipe/specpipe/internal/emulator/didi"
)

func main() {
	out := flag.String("o", "fixture.json", "output file")
	flag.Parse()
	b, err := didi.EncodeFixture(didi.BuildFixture(company.Default()))
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkfixture:", err)
		os.Exit(1)
	}
}
