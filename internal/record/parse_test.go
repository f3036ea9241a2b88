package record

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestParseInt compares parseInt, which reads eight digits at a time, with the byte-by-byte
// refParseInt on edge cases and on random strings of digits and near-digits.
func TestParseInt(t *testing.T) {
	cases := []string{"", "-", "0", "-0", "7", "12345678", "123456789", "1790846730", "-9223372036854775808",
		"999999999999999999", "1000000000000000000", "12345678/", "1234567:", "/2345678", ":2345678",
		"1234 678", " 12345678", "12345678 ", "+1", "--1", "1-", "00000000", "0000000000000000"}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789/:-+ \x00\xff0123456789"
	for range 100000 {
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for range 10000 {
		cases = append(cases, strconv.FormatInt(r.Int64()>>r.IntN(63), 10), strconv.FormatInt(-r.Int64()>>r.IntN(63), 10))
	}
	for _, c := range cases {
		n, err := parseInt(c)
		wn, werr := refParseInt(c)
		if n != wn || (err == nil) != (werr == nil) {
			t.Fatalf("parseInt(%q) = %d, %v; want %d, %v", c, n, err, wn, werr)
		}
	}
}
