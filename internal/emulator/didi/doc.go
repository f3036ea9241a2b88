// Package didi emulates the Didi Enterprise (滴滴企业版) management API on a loopback server.
//
// It is written from the vendor's documentation and its own OpenAPI description and SDKs
// (BudgetCenter/get 2019 and 2024 editions, 管理API对接文档 2024版, github.com/didi/ddes-openapi-sdk-go), never from a client:
//
//   - POST /river/Auth/authorize (JSON body, client_secret signed as a plain parameter) issues
//     40-hex access tokens valid 1800 s, bound to the client;
//   - every call is signed: all parameters but sign, plus sign_key=<key>, sorted, joined as k=v
//     with &, md5 or sha256 per client; a mismatch answers errno 19999 with data.params_sign_str;
//   - timestamp window, token, company checks; GET arguments from the query, POST from the JSON body;
//   - /river/BudgetCenter/get|add|edit|del, /river/Member/get and /river/LegalEntity/get with state;
//   - encrypted transport per client (Client.Encryption: aes128 is ent 1, aes256 ent 2): a clear
//     call is refused, encrypt_content (AES-ECB, PKCS#7, base64 of k=v&…) is decrypted after the
//     sign is checked over the parameters sent, and the answer is sealed into encrypt_data;
//   - an IP allow list per client (Client.AllowedIPs), answered errno 10002.
//
// Answers use the envelope {errno, errmsg, request_id, data}; errno is a number unless
// Options.ErrnoAsString is set.
//
// The embedded default fixture is built from [company.Default] by ./mkfixture:
//
//go:generate go run ./mkfixture -o fixture.json
package didi
