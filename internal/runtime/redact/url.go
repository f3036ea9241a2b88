package redact

import (
	"net/url"
	"strings"
)

// SecretParams are the query parameters [URL] masks when given no names: the vendors'
// signatures, keys and tokens.
func SecretParams() []string {
	return []string{"sign", "signature", "key", "sign_key", "access_token", "token", "client_secret", "secret", "password", "api_token"}
}

// URL returns u as a string with the values of the named query parameters replaced by
// [Mask], along with any password in the user information. Names match case-insensitively;
// with no names, [SecretParams] are masked. The order and encoding of the other parameters
// are kept. u is not modified; a nil u gives "".
func URL(u *url.URL, params ...string) string {
	if u == nil {
		return ""
	}
	if len(params) == 0 {
		params = SecretParams()
	}
	c := *u
	maskPassword := false
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.User(c.User.Username())
			maskPassword = true
		}
	}
	if c.RawQuery != "" {
		parts := strings.Split(c.RawQuery, "&")
		for i, p := range parts {
			rawKey, _, hasValue := strings.Cut(p, "=")
			key, err := url.QueryUnescape(rawKey)
			if err != nil {
				key = rawKey
			}
			if hasValue && matches(key, params) {
				parts[i] = rawKey + "=" + Mask
			}
		}
		c.RawQuery = strings.Join(parts, "&")
	}
	s := c.String()
	if maskPassword { // url.UserPassword would escape the mask as %2A%2A%2A
		user := "//" + c.User.String()
		s = strings.Replace(s, user+"@", user+":"+Mask+"@", 1)
	}
	return s
}

func matches(key string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return true
		}
	}
	return false
}
