package sandbox

import (
	"github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
)

// MarkersEnv is the environment variable that, set to 1, makes every sandbox use the marker
// credentials (as Options.SecretMarkers does), so that a secret scan can look for them.
const MarkersEnv = "SPECPIPE_SECRET_MARKERS"

// Marker credentials: recognisable values a secret scan looks for in everything a run leaves
// behind. The Kimai token holds "/" and "+" so that its URL-encoded and PHP-escaped forms differ
// from it.
const (
	MarkerKQAPIKey         = "SECRET-MARKER-kqkey-7f3a9c1e"
	MarkerDidiClientSecret = "SECRET-MARKER-didi-secret-4b2d8e61"
	MarkerDidiSignKey      = "SECRET-MARKER-didi-sign-2e8f6a0d"
	MarkerDidiTokenPrefix  = "SECRET-MARKER-didi-token-"
	MarkerDidiAES128Key    = "SECRETMARKERaes!"                                                 // 16 bytes of text
	MarkerDidiAES256Key    = "5ec2e7a2e25ec2e7a2e25ec2e7a2e25ec2e7a2e25ec2e7a2e25ec2e7a2e25ec2" // 64 hex digits
	MarkerKimaiToken       = "SECRET-MARKER-kimai-token-5c/e1+9a"
	MarkerKimaiPassword    = "SECRET-MARKER-kimai-password-3d7b"
)

// Markers returns every marker credential, and the prefix of the access tokens the Didi emulator
// issues with markers on.
func Markers() []string {
	return []string{MarkerKQAPIKey, MarkerDidiClientSecret, MarkerDidiSignKey, MarkerDidiTokenPrefix,
		MarkerDidiAES128Key, MarkerDidiAES256Key, MarkerKimaiToken, MarkerKimaiPassword}
}

// Credentials are the secrets a sandbox accepts and exports (Sandbox.Env).
type Credentials struct {
	KQAPIKey, DidiClientSecret, DidiSignKey, KimaiToken, KimaiPassword string
}

func sandboxCredentials() Credentials {
	return Credentials{kqapi.SandboxKey, didi.SandboxClientSecret, didi.SandboxSignKey,
		kimai.SandboxAdminToken, kimai.SandboxAdminPassword}
}

func markerCredentials() Credentials {
	return Credentials{MarkerKQAPIKey, MarkerDidiClientSecret, MarkerDidiSignKey, MarkerKimaiToken, MarkerKimaiPassword}
}

// useMarkers puts the marker credentials into the fixtures: the first kqapi account's key, the
// first Didi client's secret and sign key and every client's AES key, the Kimai admin's token
// and legacy password.
func useMarkers(kq *kqapi.Fixture, dd *didi.Fixture, km *kimai.Fixture) {
	for i := range kq.Accounts {
		if kq.Accounts[i].Account == kqapi.SandboxAccount {
			kq.Accounts[i].Key = MarkerKQAPIKey
		}
	}
	for i := range dd.Clients {
		if dd.Clients[i].ClientID == didi.SandboxClientID {
			dd.Clients[i].ClientSecret, dd.Clients[i].SignKey = MarkerDidiClientSecret, MarkerDidiSignKey
		}
		if dd.Clients[i].Encryption != "" {
			dd.Clients[i].AESKey = markerAESKey(dd.Clients[i].Encryption)
		}
	}
	for i := range km.Users {
		if km.Users[i].Username == kimai.SandboxAdminUser {
			km.Users[i].Tokens = []kimai.Token{{Token: MarkerKimaiToken}}
			km.Users[i].APIPassword = MarkerKimaiPassword
		}
	}
}

// markerAESKey is the marker key of an encryption kind.
func markerAESKey(encryption string) string {
	if encryption == didi.EncryptAES256 {
		return MarkerDidiAES256Key
	}
	return MarkerDidiAES128Key
}
