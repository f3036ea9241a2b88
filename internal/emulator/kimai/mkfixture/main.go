// Command mkfixture writes the Kimai emulator's embedded fixtures, fixture_default.json (from
// company.Default()), fixture_headoffice.json (from company.HeadOffice()) and fixture_test.json
// (Kimai's own test database). It is run by go generate in the package directory; the output is
// deterministic.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/specpipe/specpipe/internal/emulator/company"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkfixture:", err)
		os.Exit(1)
	}
}

func run() error {
	for name, f := range map[string]*kimai.Fixture{
		"fixture_default.json":    kimai.BuildDefaultFixture(company.Default()),
		"fixture_test.json":       kimai.BuildTestFixture(),
		"fixture_headoffice.json": kimai.BuildHeadOfficeFixture(company.HeadOffice()),
	} {
		b, err := kimai.EncodeFixture(f)
		if err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
