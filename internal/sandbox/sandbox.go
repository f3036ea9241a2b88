// Package sandbox starts the three emulators (kqapi, Didi Enterprise, Kimai) on loopback ports,
// seeded with the fixture company, and tells a user the environment variables that point specpipe
// at them. `pipe sandbox`, `pipe demo` and end-to-end tests use it.
package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
)

// Options configure a sandbox. The zero value starts all three on free loopback ports with the
// vendors' real limits (kqapi: 20 s between calls of one account).
type Options struct {
	KQAPIAddr, DidiAddr, KimaiAddr string        // "" picks a free port on 127.0.0.1
	KQAPIInterval                  time.Duration // kqapi's minimum interval per account (0: the real 20 s)
	Clock                          emukit.Clock  // nil: the wall clock
	// DidiEncryption makes the Didi clients require encrypted transport: "" (clear), "aes128" or
	// "aes256", with the sandbox's key of that kind (exported as DIDI_AES_KEY).
	DidiEncryption string
	// KimaiFixture names the Kimai fixture: "" or "company" (kimai.DefaultFixture, everyone in
	// Asia/Shanghai) or "head-office" (kimai.HeadOfficeFixture: the admin in Europe/Berlin,
	// employees in Shanghai and Los Angeles, a ROLE_ADMIN, a system account, a dated project,
	// overlapping records forbidden).
	KimaiFixture string
	// SecretMarkers makes the sandbox accept and export the marker credentials (Markers) instead
	// of the sandbox ones, and its Didi issue access tokens that begin with MarkerDidiTokenPrefix.
	// MarkersEnv=1 in the environment sets it too.
	SecretMarkers bool
	// KimaiConfig, when set, changes the fixture's system configuration (timesheet rules such
	// as overlapping records, future times, lockdown, rounding) before Kimai starts.
	KimaiConfig func(*kimai.Config)
}

// KimaiFixtures are the names Options.KimaiFixture takes.
var KimaiFixtures = []string{"company", "head-office"}

func kimaiFixture(name string) (*kimai.Fixture, error) {
	switch name {
	case "", "company":
		return kimai.DefaultFixture()
	case "head-office":
		return kimai.HeadOfficeFixture()
	}
	return nil, fmt.Errorf("sandbox: unknown Kimai fixture %q (want one of %v)", name, KimaiFixtures)
}

// Sandbox is the three running emulators.
type Sandbox struct {
	KQAPI *kqapi.Emulator
	Didi  *didi.Emulator
	Kimai *kimai.Emulator
	// Base URLs.
	KQAPIURL, DidiURL, KimaiURL string
	// KQAPIInterval is the kqapi interval in force.
	KQAPIInterval time.Duration
	// DidiEncryption and DidiAESKey are the Didi transport in force ("" and "": clear).
	DidiEncryption, DidiAESKey string
	// Credentials are the secrets in force: the sandbox ones, or the markers.
	Credentials Credentials

	servers []*emukit.Server
}

// Var is an environment variable to export.
type Var struct{ Name, Value string }

// Start starts the emulators.
func Start(o Options) (*Sandbox, error) {
	if o.KQAPIInterval == 0 {
		o.KQAPIInterval = 20 * time.Second
	}
	if os.Getenv(MarkersEnv) == "1" {
		o.SecretMarkers = true
	}
	kf, err := kqapi.DefaultFixture()
	if err != nil {
		return nil, fmt.Errorf("sandbox: kqapi fixture: %w", err)
	}
	df, err := didi.DefaultFixture()
	if err != nil {
		return nil, fmt.Errorf("sandbox: didi fixture: %w", err)
	}
	var aesKey string
	if o.DidiEncryption != "" {
		if aesKey, err = didi.RequireEncryption(df, o.DidiEncryption); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	fx, err := kimaiFixture(o.KimaiFixture)
	if err != nil {
		return nil, err
	}
	if o.KimaiConfig != nil {
		o.KimaiConfig(&fx.Config)
	}
	creds, tokenPrefix := sandboxCredentials(), ""
	if o.SecretMarkers {
		useMarkers(kf, df, fx)
		creds, tokenPrefix = markerCredentials(), MarkerDidiTokenPrefix
		if aesKey != "" {
			aesKey = markerAESKey(o.DidiEncryption)
		}
	}
	kq, err := kqapi.New(kqapi.Options{Clock: o.Clock, RateInterval: o.KQAPIInterval, Fixture: kf})
	if err != nil {
		return nil, fmt.Errorf("sandbox: kqapi emulator: %w", err)
	}
	dd, err := didi.New(didi.Options{Clock: o.Clock, Fixture: df, TokenPrefix: tokenPrefix})
	if err != nil {
		return nil, fmt.Errorf("sandbox: didi emulator: %w", err)
	}
	km, err := kimai.New(kimai.Options{Clock: o.Clock, Fixture: fx})
	if err != nil {
		return nil, fmt.Errorf("sandbox: kimai emulator: %w", err)
	}
	s := &Sandbox{KQAPI: kq, Didi: dd, Kimai: km, KQAPIInterval: o.KQAPIInterval,
		DidiEncryption: o.DidiEncryption, DidiAESKey: aesKey, Credentials: creds}
	start := func(name string, h http.Handler, addr string, url *string) error {
		srv, err := emukit.Start(h, addr)
		if err != nil {
			return fmt.Errorf("sandbox: %s: %w", name, err)
		}
		s.servers = append(s.servers, srv)
		*url = srv.URL
		return nil
	}
	if err := errors.Join(
		start("kqapi", kq, o.KQAPIAddr, &s.KQAPIURL),
		start("didi", dd, o.DidiAddr, &s.DidiURL),
		start("kimai", km, o.KimaiAddr, &s.KimaiURL),
	); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Env returns the variables that point specpipe's clients at the sandbox, with its credentials.
// They are sandbox credentials, printed on purpose; real ones never are.
func (s *Sandbox) Env() []Var {
	vars := []Var{
		{"KQAPI_BASE_URL", s.KQAPIURL},
		{"KQAPI_ACCOUNT", kqapi.SandboxAccount},
		{"KQAPI_KEY", s.Credentials.KQAPIKey},
		{"DIDI_BASE_URL", s.DidiURL},
		{"DIDI_CLIENT_ID", didi.SandboxClientID},
		{"DIDI_CLIENT_SECRET", s.Credentials.DidiClientSecret},
		{"DIDI_SIGN_KEY", s.Credentials.DidiSignKey},
		{"DIDI_SIGN_METHOD", "md5"},
		{"DIDI_COMPANY_ID", didi.SandboxCompanyID},
	}
	if s.DidiEncryption != "" {
		vars = append(vars, Var{"DIDI_ENCRYPTION", s.DidiEncryption}, Var{"DIDI_AES_KEY", s.DidiAESKey})
	}
	vars = append(vars, Var{"KIMAI_BASE_URL", s.KimaiURL}, Var{"KIMAI_TOKEN", s.Credentials.KimaiToken})
	if s.KQAPIInterval < 20*time.Second {
		// The pipelines read min_interval account: ${KQAPI_MIN_INTERVAL:-20s}.
		vars = append(vars, Var{"KQAPI_MIN_INTERVAL", s.KQAPIInterval.String()})
	}
	return vars
}

// Getenv looks a variable up in Env, for running clients against the sandbox in-process.
func (s *Sandbox) Getenv(name string) string {
	for _, v := range s.Env() {
		if v.Name == name {
			return v.Value
		}
	}
	return ""
}

// Close stops the emulators.
func (s *Sandbox) Close() {
	for _, srv := range s.servers {
		_ = srv.Close()
	}
}
