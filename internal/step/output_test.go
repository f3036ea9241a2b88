package step

import "testing"

func TestFileKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"研发部", "研发部"},
		{"R&D 2026-11", "R&D 2026-11"},
		{"../a/b\x01", "_a_b_~1eb37f10"},
		{"", "_~e3b0c442"},
		{".", "_~cdb4ee2a"},
		{"a\u202eb", "a_b~1f7a9d5e"},
	}
	for _, tt := range tests {
		if got := fileKey(tt.key); got != tt.want {
			t.Errorf("fileKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
