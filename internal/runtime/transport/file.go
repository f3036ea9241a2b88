package transport

import (
	"mime"
	"net/http"
	"path"
)

// File is the answer of an operation that downloads a file (spec: file: true): its bytes, the
// type the server gave (Content-Type) and the name it suggested (Content-Disposition's
// filename* or filename, base name only; "" when it named none).
type File struct {
	Name        string `expr:"name" json:"name"`
	ContentType string `expr:"contentType" json:"contentType"`
	Data        []byte `expr:"data" json:"data"`
}

// readFile fills f from a successful answer: the body as it came, not decoded.
func readFile(f *File, h http.Header, body []byte) {
	f.Data, f.ContentType, f.Name = body, h.Get("Content-Type"), ""
	// mime.ParseMediaType decodes RFC 2231's filename* (utf-8''...) into filename.
	if _, params, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		if base := path.Base(path.Clean("/" + params["filename"])); base != "/" {
			f.Name = base
		}
	}
}
