package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/generated"
)

// cmdCompletion prints the completion script of a shell; each script asks `pipe __complete` for
// the candidates, so the scripts stay small and know what the binary knows.
func cmdCompletion(_ context.Context, e *env, args []string) int {
	fs, _ := flagSet(e, "completion")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		return errf(e, exitUsage, "completion needs a shell: bash, zsh or fish")
	}
	script, ok := completionScripts[pos[0]]
	if !ok {
		return errf(e, exitUsage, "completion: unknown shell %q (want bash, zsh or fish)", pos[0])
	}
	fmt.Fprint(e.stdout, script)
	return exitOK
}

var completionScripts = map[string]string{
	// bash splits words at = and :, so the script splits the line itself and hands back the part
	// of each candidate after bash's current word.
	"bash": `# bash completion for pipe: source <(pipe completion bash)
_pipe() {
  local line=${COMP_LINE:0:COMP_POINT} words cur=${COMP_WORDS[COMP_CWORD]}
  read -ra words <<<"$line"
  [[ $line == *[[:space:]] ]] && words+=("")
  local word=${words[${#words[@]}-1]} c
  local strip=${word%"$cur"}
  COMPREPLY=()
  local IFS=$'\n'
  for c in $(pipe __complete "${words[@]:1}" 2>/dev/null); do
    COMPREPLY+=("${c#"$strip"}")
    [[ $c == *[=/.] ]] && compopt -o nospace 2>/dev/null
  done
}
complete -F _pipe pipe
`,
	"zsh": `#compdef pipe
# zsh completion for pipe: source <(pipe completion zsh), or save it as _pipe in your $fpath
_pipe() {
  local -a cands spaced joined
  cands=(${(f)"$(pipe __complete "${(@)words[2,CURRENT]}" 2>/dev/null)"})
  local c
  for c in $cands; do
    if [[ $c == *[=/.] ]]; then joined+=("$c"); else spaced+=("$c"); fi
  done
  (( ${#spaced} )) && compadd -Q -- $spaced
  (( ${#joined} )) && compadd -Q -S '' -- $joined
}
compdef _pipe pipe
`,
	"fish": `# fish completion for pipe: pipe completion fish > ~/.config/fish/completions/pipe.fish
function __pipe_complete
    set -l tokens (commandline -opc) (commandline -ct)
    pipe __complete $tokens[2..-1] 2>/dev/null
end
complete -c pipe -f -a '(__pipe_complete)'
`,
}

// cmdComplete prints the candidates for the last of args (the word being completed, maybe empty),
// one a line: commands, flags, pipeline files, step ids (--assume), parameters and API.OPERATION
// names. It never fails: a shell shows no candidates instead.
func cmdComplete(ctx context.Context, e *env, args []string) int {
	for _, c := range completions(ctx, e, args) {
		fmt.Fprintln(e.stdout, c)
	}
	return exitOK
}

func completions(ctx context.Context, e *env, args []string) []string {
	if len(args) == 0 {
		args = []string{""}
	}
	cur := args[len(args)-1]
	if len(args) == 1 {
		return withPrefix(cur, commandNames())
	}
	c, ok := lookupCommand(args[0])
	if !ok || c.hidden {
		return nil
	}
	words := args[1 : len(args)-1]
	prev := ""
	if len(words) > 0 {
		prev = words[len(words)-1]
	}
	fs := commandFlags(ctx, e, c)
	if f := valueFlag(fs, prev); f != "" {
		return flagValues(f, cur, positional(fs, words[:len(words)-1]))
	}
	if strings.HasPrefix(cur, "-") {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
		return withPrefix(cur, names)
	}
	pos := positional(fs, words)
	switch c.name {
	case "help":
		if len(pos) == 0 {
			return withPrefix(cur, commandNames())
		}
	case "completion":
		if len(pos) == 0 {
			return withPrefix(cur, []string{"bash", "fish", "zsh"})
		}
	case "ops":
		if len(pos) == 0 {
			return withPrefix(cur, append(apiList(), opNames()...))
		}
	case "call":
		if len(pos) == 0 {
			return withPrefix(cur, opNames())
		}
		return withPrefix(cur, paramNames(pos[0]))
	case "run", "retry", "plan", "unlock", "failed":
		if len(pos) == 0 {
			return pipelineFiles(cur)
		}
	case "validate", "state":
		return pipelineFiles(cur)
	}
	return nil
}

// valueFlag returns the name of flag arg when it takes a value (it is not a boolean).
func valueFlag(fs *flag.FlagSet, arg string) string {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok || strings.Contains(name, "=") {
		return ""
	}
	f := fs.Lookup(strings.TrimPrefix(name, "-"))
	if f == nil {
		return ""
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	return f.Name
}

// positional returns the positional arguments among words, skipping flags and their values.
func positional(fs *flag.FlagSet, words []string) []string {
	var pos []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "-") || w == "-" {
			pos = append(pos, w)
			continue
		}
		if valueFlag(fs, w) != "" {
			i++
		}
	}
	return pos
}

// flagValues completes the value of a flag: step ids for --assume, parameters for --param, the
// log flags' words.
func flagValues(flagName, cur string, pos []string) []string {
	switch flagName {
	case "log-format":
		return withPrefix(cur, []string{"json", "text"})
	case "log-level":
		return withPrefix(cur, []string{"debug", "error", "info", "warn"})
	case "assume", "param":
		if len(pos) == 0 {
			return nil
		}
		ids, params := pipelineNames(pos[0])
		names := ids
		if flagName == "param" {
			names = params
		}
		var out []string
		for _, n := range names {
			out = append(out, n+"=")
		}
		return withPrefix(cur, out)
	}
	return nil
}

// pipelineNames reads the step ids and parameter names of a pipeline file, as far as it parses.
func pipelineNames(file string) (ids, params []string) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, nil
	}
	var p struct {
		Params map[string]yaml.Node `yaml:"params"`
		Steps  []struct {
			ID string `yaml:"id"`
		} `yaml:"steps"`
	}
	if yaml.Unmarshal(b, &p) != nil {
		return nil, nil
	}
	for _, s := range p.Steps {
		if s.ID != "" {
			ids = append(ids, s.ID)
		}
	}
	for k := range p.Params {
		params = append(params, k)
	}
	slices.Sort(params)
	return ids, params
}

// pipelineFiles completes a path to the YAML files and directories under cur's directory.
func pipelineFiles(cur string) []string {
	dir, base := filepath.Split(cur)
	ents, err := os.ReadDir(cmp.Or(dir, "."))
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range ents {
		name := d.Name()
		if !strings.HasPrefix(name, base) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		switch {
		case d.IsDir():
			out = append(out, dir+name+"/")
		case strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"):
			out = append(out, dir+name)
		}
	}
	return out
}

func apiList() []string {
	var out []string
	for _, a := range generated.APIs() {
		out = append(out, a.Name)
	}
	return out
}

func opNames() []string {
	var out []string
	for _, a := range generated.APIs() {
		for _, op := range a.Ops {
			out = append(out, a.Name+"."+op.Name)
		}
	}
	return out
}

// paramNames lists name= for the parameters of API.OPERATION.
func paramNames(apiOp string) []string {
	apiName, opName, _ := strings.Cut(apiOp, ".")
	a, ok := generated.Lookup(apiName)
	if !ok {
		return nil
	}
	op, ok := a.Op(opName)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range op.Params {
		out = append(out, p.Name+"=")
	}
	return out
}

func withPrefix(prefix string, cands []string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}
