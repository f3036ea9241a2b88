package didi

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Encrypted transport ("整体加密", ent), as the official SDKs implement it
// (github.com/didi/ddes-openapi-sdk-go core/req_translator.go and core/aes.go;
// github.com/didi/ddes-openapi-sdk-java service/BaseService.java, utils/AES128Utils.java and
// utils/AES256Utils.java):
//
//   - every call but /river/Auth/authorize sends client_id, access_token, ent (1 or 2),
//     encrypt_content and sign; for GET in the query, for POST as a JSON body (ent a number);
//   - encrypt_content is base64(AES-ECB-PKCS#7(k=v&k=v…)) of every other parameter, timestamp
//     included, in no particular order (the SDKs join a map);
//   - sign is the usual signature over the parameters sent, with sign_key sorted in;
//   - the reply carries encrypt_data, which decrypts to the whole envelope.
//
// This file is the emulator's own implementation, written apart from internal/runtime's, so a bug
// cannot hide by being the same on both sides.

// Encryption settings of a client (Client.Encryption).
const (
	EncryptAES128 = "aes128" // ent 1: the key text's UTF-8 bytes (16, 24 or 32 bytes, as both SDKs accept)
	EncryptAES256 = "aes256" // ent 2: 64 hex digits, 32 bytes
)

// ErrIPNotAllowed is Didi's answer to a call from an address outside the client's allow list.
const ErrIPNotAllowed = 10002 // ip验证失败 (错误定义); the troubleshooting page words it IP不在白名单中,本次请求ip:…

// ErrTransport answers a request whose transport does not match the client's setting: a clear
// request to a client that requires encryption, an encrypted one to a client that does not, the
// wrong ent, or an encrypt_content that does not decrypt. Didi documents no errno or message for
// these cases (neither SDK handles them); 10003 参数错误 is our guess, with our own words after it.
const ErrTransport = ErrBadParam

// transportKey is a client's encryption key.
type transportKey struct {
	ent   int
	block cipher.Block
}

func newTransportKey(encryption, key string) (*transportKey, error) {
	var raw []byte
	var ent int
	switch encryption {
	case EncryptAES128:
		ent, raw = 1, []byte(key)
		if n := len(raw); n != 16 && n != 24 && n != 32 {
			return nil, fmt.Errorf("aes128 key text is %d bytes, want 16, 24 or 32", n)
		}
	case EncryptAES256:
		ent = 2
		var err error
		if raw, err = hex.DecodeString(key); err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("aes256 key is not 64 hex digits")
		}
	default:
		return nil, fmt.Errorf("unknown encryption %q (want %s or %s)", encryption, EncryptAES128, EncryptAES256)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", encryption, err)
	}
	return &transportKey{ent: ent, block: block}, nil
}

// open decodes base64 in either alphabet, padded or not (the Go SDK writes standard base64 for
// both ents, the Java SDK URL-safe for ent 2), decrypts and unpads.
func (k *transportKey) open(text string) ([]byte, bool) {
	text = strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(strings.TrimSpace(text), "="))
	ct, err := base64.RawStdEncoding.DecodeString(text)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, false
	}
	out := make([]byte, len(ct))
	for i := 0; i < len(ct); i += aes.BlockSize {
		k.block.Decrypt(out[i:i+aes.BlockSize], ct[i:i+aes.BlockSize])
	}
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, false
	}
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			return nil, false
		}
	}
	return out[:len(out)-n], true
}

// seal encrypts with PKCS#7 padding and writes base64: standard for ent 1, URL-safe for ent 2,
// which is how the Java SDK (the one that decrypts replies) encodes each; it reads both.
func (k *transportKey) seal(plain []byte) string {
	n := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append([]byte(nil), plain...)
	for range n {
		buf = append(buf, byte(n))
	}
	for i := 0; i < len(buf); i += aes.BlockSize {
		k.block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	if k.ent == 2 {
		return base64.URLEncoding.EncodeToString(buf)
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// unescapeContent undoes the Java SDK's double encoding of a GET's encrypt_content
// (BaseService.urlEncoderParam, then OkHttp's own), which arrives still percent-encoded once. The
// Java SDK signed the text before encoding it. Base64 has no %, so text with one is decoded once.
func unescapeContent(text string) string {
	if strings.Contains(text, "%") {
		if u, err := url.QueryUnescape(text); err == nil {
			return u
		}
	}
	return text
}

// parsePlaintext reads k=v&k=v. Keys and values are percent-decoded the lenient way a PHP
// parse_str does (+ is a space; a % not followed by two hex digits stays as it is): the Java SDK
// percent-encodes GET values, the Go SDK and the Java SDK's POST send them raw, and both must
// read back. A repeated key keeps its last value, as the query does.
func parsePlaintext(s string) params {
	p := params{}
	for pair := range strings.SplitSeq(s, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		p[lenientUnescape(k)] = lenientUnescape(v)
	}
	return p
}

func lenientUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// allowList is a client's IP allow list: addresses and prefixes.
type allowList []netip.Prefix

func parseAllowList(entries []string) (allowList, error) {
	var out allowList
	for _, s := range entries {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("allowed_ips: %q is neither an address nor a prefix", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// allows reports whether the request's peer is on the list; an empty list allows every address.
func (l allowList) allows(ip netip.Addr) bool {
	if len(l) == 0 {
		return true
	}
	for _, p := range l {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// peerIP is the address the request came from.
func peerIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}
