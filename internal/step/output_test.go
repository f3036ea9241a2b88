package step

import "testing"

func TestFileKey(t *testing.T) {
	if got := fileKey("../a/b\x01"); got != "_a_b_" {
		t.Errorf("fileKey = %q", got)
	}
}
