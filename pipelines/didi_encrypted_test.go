package pipelines_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

// encryptDidi replaces w's Didi emulator by one whose clients require encrypted transport
// (encryption: didi.EncryptAES128 or didi.EncryptAES256) and points DIDI_BASE_URL at it. It
// returns the key.
func encryptDidi(t *testing.T, w *world, encryption string) string {
	t.Helper()
	f, err := didi.DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	key, err := didi.RequireEncryption(f, encryption)
	if err != nil {
		t.Fatal(err)
	}
	if w.dd, err = didi.New(didi.Options{Fixture: f}); err != nil {
		t.Fatal(err)
	}
	srv, err := emukit.Start(w.dd, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w.env["DIDI_BASE_URL"] = srv.URL
	return key
}

// TestDidiCostCentersEncrypted runs didi-cost-centers-to-kimai against a Didi whose clients
// require encrypted transport, in both modes, and wants Kimai to end exactly as after the clear
// run. aes128 comes from the environment (DIDI_ENCRYPTION, DIDI_AES_KEY) with the pipeline as
// shipped; aes256 from the connection's own encryption and aes_key settings.
func TestDidiCostCentersEncrypted(t *testing.T) {
	_, kmf, ddf := fixtures(t)
	clear := newWorld(t, false)
	clear.mustRun("didi-cost-centers-to-kimai.yaml", nil)
	clearC, clearP := centersOf(clear.km)
	wantC, wantP := expectCostCenters(kmf, ddf.BudgetCenters, nil)

	for _, tc := range []struct {
		encryption string
		settings   bool // in the connection, not the environment
	}{
		{didi.EncryptAES128, false},
		{didi.EncryptAES256, true},
	} {
		t.Run(tc.encryption, func(t *testing.T) {
			w := newWorld(t, false)
			key := encryptDidi(t, w, tc.encryption)
			file := "didi-cost-centers-to-kimai.yaml"
			if tc.settings {
				b, err := os.ReadFile(filepath.Join(w.dir, file))
				if err != nil {
					t.Fatal(err)
				}
				old := "    sign_key: ${DIDI_SIGN_KEY}\n"
				if !strings.Contains(string(b), old) {
					t.Fatalf("%s: no %q in the didi connection", file, old)
				}
				conn := old + fmt.Sprintf("    encryption: %s\n    aes_key: ${SYNC_AES_KEY}\n", tc.encryption)
				file = "didi-encrypted.yaml"
				if err := os.WriteFile(filepath.Join(w.dir, file), []byte(strings.Replace(string(b), old, conn, 1)), 0o644); err != nil {
					t.Fatal(err)
				}
				w.env["SYNC_AES_KEY"] = key
			} else {
				w.env["DIDI_ENCRYPTION"], w.env["DIDI_AES_KEY"] = tc.encryption, key
			}

			w.mustRun(file, nil)
			gotC, gotP := centersOf(w.km)
			if d := cmp.Diff(clearC, gotC); d != "" {
				t.Errorf("customers differ from the clear run (-clear +encrypted):\n%s", d)
			}
			if d := cmp.Diff(autoNumbered(clearP, wantP), autoNumbered(gotP, wantP)); d != "" {
				t.Errorf("projects differ from the clear run (-clear +encrypted):\n%s", d)
			}
			if d := cmp.Diff(wantC, gotC); d != "" {
				t.Errorf("customers (-want +got):\n%s", d)
			}
			calls := 0
			for _, e := range w.dd.Journal.Entries() {
				if e.Path != didi.AuthorizePath && e.Outcome == "ok" {
					calls++
				}
			}
			if calls == 0 {
				t.Error("no successful Didi call in the journal")
			}

			before := w.kimaiWrites()
			w.mustRun(file, nil)
			if got := w.kimaiWrites() - before; got != 0 {
				t.Errorf("the rerun sent %d writes to Kimai, want 0", got)
			}
		})
	}
}

// TestDidiCostCentersClearAgainstEncrypted: a clear client against a Didi that requires encryption
// fails the run with the emulator's errno in a readable error, and writes nothing to Kimai.
func TestDidiCostCentersClearAgainstEncrypted(t *testing.T) {
	w := newWorld(t, false)
	key := encryptDidi(t, w, didi.EncryptAES256)
	before := w.kimaiWrites()
	sum, err := w.run("didi-cost-centers-to-kimai.yaml", nil)
	msg := fmt.Sprint(err)
	if err == nil {
		if sum.FailedRecords() == 0 {
			t.Fatal("the run succeeded; want a refusal")
		}
		msg = fmt.Sprintf("%+v", sum.Failed)
	}
	t.Logf("clear run against an encrypted Didi: %s", msg)
	want := fmt.Sprintf("vendor code %d", didi.ErrTransport)
	if !strings.Contains(msg, want) || !strings.Contains(msg, "加密传输") {
		t.Errorf("error %q: want %q and the emulator's message", msg, want)
	}
	if strings.Contains(msg, key) {
		t.Errorf("error holds the key: %s", msg)
	}
	if got := w.kimaiWrites() - before; got != 0 {
		t.Errorf("%d writes to Kimai, want 0", got)
	}
}
