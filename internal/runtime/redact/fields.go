package redact

import (
	"strings"
)

// Fields returns s with the values of credential fields masked: in JSON ("access_token":
// "…") and in form or query encoding (access_token=…), for the names of [SecretParams]
// (case-insensitive, whole names only). It finds secrets no Redactor knows yet, such as a
// token in the answer that hands it out, also in text cut short.
func Fields(s string) string {
	names := SecretParams()
	var b strings.Builder
	done := 0 // s[:done] has been written to b
	for i := 0; i < len(s); i++ {
		start, end, ok := fieldValue(s, names, i)
		if !ok {
			continue
		}
		b.WriteString(s[done:start])
		b.WriteString(Mask)
		done, i = end, end-1
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// fieldValue reports whether a credential field's name begins at i, and where its value is.
func fieldValue(s string, names []string, i int) (start, end int, ok bool) {
	quoted := s[i] == '"'
	n := i
	if quoted {
		n++
	} else if i > 0 && isNameByte(s[i-1]) {
		return 0, 0, false
	}
	for _, name := range names {
		if len(s)-n < len(name) || !strings.EqualFold(s[n:n+len(name)], name) {
			continue
		}
		j := n + len(name)
		if quoted {
			if j >= len(s) || s[j] != '"' {
				continue
			}
			j = skipSpace(s, j+1)
			if j >= len(s) || s[j] != ':' {
				continue
			}
			j = skipSpace(s, j+1)
			if j >= len(s) || s[j] != '"' {
				continue
			}
			start = j + 1
			end = start
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			return start, min(end, len(s)), true
		}
		if j >= len(s) || s[j] != '=' {
			continue
		}
		start = j + 1
		end = start
		for end < len(s) && !strings.ContainsRune("&\"' \t\r\n<>", rune(s[end])) {
			end++
		}
		if end == start {
			continue
		}
		return start, end, true
	}
	return 0, 0, false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
