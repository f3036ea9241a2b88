package transport

import "testing"

// TestHintChoice checks which hint an error gets: the most specific that matches, the
// operation's before the API's when equally specific.
func TestHintChoice(t *testing.T) {
	op := &Op{Hints: []Hint{{Status: 403, Text: "op permission"}}}
	api := &API{Hints: []Hint{
		{Status: 403, Message: "Invalid credentials", Text: "password"},
		{Status: 403, Text: "api 403"},
		{Code: "10002", Text: "allow list"},
		{Code: "400", Message: "client_secret", Text: "secret"},
		{Code: "400", Text: "bad parameter"},
	}}
	for _, tc := range []struct {
		name string
		err  APIError
		want string
	}{
		{"op before api", APIError{Status: 403, Message: "Access denied."}, "op permission"},
		{"more conditions win", APIError{Status: 403, Message: "Invalid credentials"}, "password"},
		{"code", APIError{Status: 200, Code: "10002", Message: "IP不在白名单中"}, "allow list"},
		{"code and message", APIError{Status: 200, Code: "400", Message: "非法的client_secret"}, "secret"},
		{"code only", APIError{Status: 200, Code: "400", Message: "非法的client_id"}, "bad parameter"},
		{"none", APIError{Status: 500, Code: "19998"}, ""},
	} {
		if got := hint(op, api, &tc.err); got != tc.want {
			t.Errorf("%s: hint = %q, want %q", tc.name, got, tc.want)
		}
	}
	e := APIError{Op: "didi.x", Code: "10002", Message: "ip验证失败", Hint: "allow list"}
	if got, want := e.Error(), "didi.x: vendor code 10002: ip验证失败; hint: allow list"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
