package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBashCompletion sources `pipe completion bash` in a real bash and completes lines the way
// bash does (COMP_LINE, COMP_POINT, COMP_WORDS, COMP_CWORD), with the pipe binary on PATH.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	bin := pipeBinary(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"pipe ca", []string{"call"}},
		{"pipe call kqapi.recordl", []string{"kqapi.recordlog"}},
		{"pipe call kqapi.recordlog st", []string{"start="}},
		{"pipe run pipelines/attendance-s", []string{"pipelines/attendance-summary.yaml"}},
		{"pipe plan pipelines/attendance-to-kimai.yaml --assume pun", []string{"punches="}},
		{"pipe validate --log-l", []string{"--log-level"}},
		{"pipe completion ", []string{"bash", "fish", "zsh"}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			script := `source <(pipe completion bash)
COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<<"$1"
[[ $1 == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
_pipe
printf '%s\n' "${COMPREPLY[@]}"`
			cmd := exec.Command(bash, "--norc", "-c", script, "bash", tc.line)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			got := strings.Fields(string(out))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("completions of %q (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}
