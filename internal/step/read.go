package step

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func readKind() Kind {
	return Kind{Name: "read", Doc: "records from a JSON-lines or CSV file, of a declared record type", Source: always, Compile: compileRead, Config: reflect.TypeFor[readYAML]()}
}

// readStep reads records from a JSON-lines or CSV file into a declared record type: a generated
// type (type: kqapi.Punch) or fields declared in the step (fields: {name: string, hours: float}).
// Only the fields some expression of the pipeline reads are decoded (all of them when an output
// writes whole records), so wide files stream fast.
type readStep struct {
	id     string
	path   string // resolved against the pipeline's directory
	format string // jsonl or csv
	rec    reflect.Type
	loc    *time.Location // zone of times without an offset
	dec    *record.Decoder
	block  int // bytes read at a time from a JSON-lines file (blockSize; tests make it small)
}

type readYAML struct {
	File   string     `yaml:"file"`
	Format string     `yaml:"format"`
	Type   string     `yaml:"type"`
	Fields *yaml.Node `yaml:"fields"`
}

func compileRead(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var ry readYAML
	c.Decode(n, &ry)
	if ry.File == "" {
		c.Errorf(n, "step %s: read: file: is required", c.ID())
		return nil, nil
	}
	format, ok := fileFormat(ry.Format, ry.File)
	if !ok {
		c.Errorf(yamlx.KeyNode(n, "format"), "step %s: read: format: want jsonl or csv (or a file ending in .jsonl, .ndjson or .csv)", c.ID())
		return nil, nil
	}
	r := &readStep{id: c.ID(), path: c.Path(ry.File), format: format, loc: c.Loc(), block: blockSize}
	switch {
	case ry.Type != "" && ry.Fields != nil:
		c.Errorf(yamlx.KeyNode(n, "fields"), "step %s: read: give type: or fields:, not both", c.ID())
		return nil, nil
	case ry.Type != "":
		t, loc, ok, known := c.RecordType(ry.Type)
		if !ok {
			c.Errorf(yamlx.ValueNode(n, "type"), "step %s: unknown record type %q%s", c.ID(), ry.Type, eval.NearestText(ry.Type, known, "types"))
			return nil, nil
		}
		r.rec, r.loc = t, loc
		if keep, ok := c.Narrowed(); ok {
			r.rec = record.Narrow(t, keep)
		}
	case ry.Fields != nil:
		if ry.Fields.Kind != yaml.MappingNode || len(ry.Fields.Content) == 0 {
			c.Errorf(ry.Fields, "step %s: fields: want a mapping of field names to types", c.ID())
			return nil, nil
		}
		var names []string
		var types []reflect.Type
		for i := 0; i+1 < len(ry.Fields.Content); i += 2 {
			k, v := ry.Fields.Content[i], ry.Fields.Content[i+1]
			t, ok := FieldType(v.Value)
			if !ok {
				c.Errorf(v, "step %s: field %s: type %q is not one of %s", c.ID(), k.Value, v.Value, strings.Join(FieldTypeNames(), ", "))
				continue
			}
			if !ValidIdent(k.Value) {
				c.Errorf(k, "step %s: field %q: a name is letters, digits and _", c.ID(), k.Value)
				continue
			}
			names = append(names, k.Value)
			types = append(types, t)
		}
		if len(names) == 0 {
			return nil, nil
		}
		r.rec = record.StructOf(names, types)
	default:
		c.Errorf(n, "step %s: read: give the record type (type: kqapi.Punch) or its fields (fields: {name: string})", c.ID())
		return nil, nil
	}
	return r, reflect.PointerTo(r.rec)
}

func fileFormat(format, path string) (string, bool) {
	switch format {
	case "jsonl", "csv":
		return format, true
	case "":
		switch strings.ToLower(filepath.Ext(path)) {
		case ".jsonl", ".ndjson":
			return "jsonl", true
		case ".csv":
			return "csv", true
		}
	}
	return "", false
}

// narrow makes the decoder of the fields some expression reads (every field when an output
// writes whole records that contain the records), and narrows the record type to them.
func (r *readStep) Narrow(u Usage) ([]string, bool) {
	all := u.WholeHolds(r.rec)
	r.dec = record.NewDecoder(r.rec, r.loc, func(name string) bool { return all || u.Used(name) })
	if all || u.Final() {
		return nil, false
	}
	var keep []string
	names := record.FieldNames(r.rec)
	for _, name := range names {
		if u.Used(name) {
			keep = append(keep, name)
		}
	}
	return keep, len(keep) < len(names)
}

// DecodedFields lists the fields the step decodes (once the pipeline is compiled), sorted.
func (r *readStep) DecodedFields() []string { return r.dec.Fields() }

type readRun struct {
	r   *readStep
	env Env
	f   *os.File
	in  *record.Interner
}

func (r *readStep) Start(e Env) (Run, error) {
	f, err := os.Open(r.path)
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("read %s: %w", r.path, err)}
	}
	return &readRun{r: r, env: e, f: f, in: record.NewInterner()}, nil
}

func (rr *readRun) Close() error { return rr.f.Close() }

func (rr *readRun) Finish(func(any) error) error { return nil }

// fail counts and fails the record of a line that could not be read.
func (rr *readRun) fail(line int, err error) error {
	rr.env.Summary().In++
	return rr.env.Fail(fmt.Errorf("%s:%d: %w", rr.r.path, line, err))
}

func (rr *readRun) Process(_ any, emit func(any) error) error {
	if rr.r.format == "csv" {
		return rr.csv(emit, rr.fail)
	}
	return rr.processLines(nil, func(rec any, _ *Staged) error { return emit(rec) })
}

// Workers is how many goroutines decode a JSON-lines file (a CSV file is read on one: 0).
func (rr *readRun) Workers() int {
	if rr.r.format == "csv" {
		return 0
	}
	return decodeWorkers()
}

// ProcessStaged is Process of a JSON-lines file whose decoding goroutines stage the records.
func (rr *readRun) ProcessStaged(st Stager) error { return rr.processLines(st, st.Emit) }

// processLines reads a JSON-lines file, staging its records with st (nil: it does not), and
// calls emit with each record and its Staged (nil without st).
func (rr *readRun) processLines(st Stager, emit func(rec any, s *Staged) error) error {
	sum := rr.env.Summary()
	return readLines(rr.env.Context(), rr.r.path, rr.f, rr.r.dec, rr.r.block, decodeWorkers(), st, func(d decoded) error {
		if d.err != nil {
			return rr.fail(d.line, d.err)
		}
		sum.In++
		return emit(d.rec, d.staged)
	})
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func (rr *readRun) csv(emit func(any) error, fail func(int, error) error) error {
	cr := csv.NewReader(bufio.NewReaderSize(rr.f, 1<<16))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: header: %w", rr.r.path, err)
	}
	cols := rr.r.dec.Columns(header)
	if missing := rr.r.dec.Missing(cols); len(missing) > 0 {
		return &ConfigError{Err: fmt.Errorf("read %s: the header has no column %s (columns: %s)", rr.r.path, strings.Join(missing, ", "), strings.Join(header, ", "))}
	}
	line := 1
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line++
		if err != nil {
			if err := fail(line, err); err != nil {
				return err
			}
			continue
		}
		rec, err := rr.r.dec.DecodeRow(cols, row, rr.in)
		if err != nil {
			if err := fail(line, err); err != nil {
				return err
			}
			continue
		}
		rr.env.Summary().In++
		if err := emit(rec); err != nil {
			return err
		}
	}
}
