package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/specpipe/specpipe/generated"
)

// BenchmarkTransform runs the benchmark's transform (read punches, keep normal ones, pair the
// first and last punch per person and work day, output JSON lines) over generated punches;
// one op is one record. bench/transform.sh measures the same at a million records against jq
// and a hand-written Go program.
func BenchmarkTransform(b *testing.B) {
	const records = 200_000
	dir := b.TempDir()
	in := filepath.Join(dir, "punches.jsonl")
	f, err := os.Create(in)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := 0; i < records; i++ {
		status := "0"
		if i%10 == 9 {
			status = "1"
		}
		fmt.Fprintf(w, `{"atten_id":"%d","atten_device":"SN%d","atten_uid":"%d","atten_type":"1","atten_status":"%s","atten_time":"%d","atten_date":"2026-11-20","companyId":"88","realname":"\u738b\u4f1f","departname":"R&D","remark":""}`+"\n",
			i, i%7, 1100000+(i*7919)%2000, status, 1795104000+(i*104729)%(30*86400))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	src := fmt.Sprintf(`
timezone: Asia/Shanghai
day_boundary: "04:00"
steps:
  - id: punches
    read: {file: %q, type: kqapi.Punch}
  - id: normal
    filter: r.atten_status == "0"
  - id: days
    group:
      by: {person: r.atten_uid, day: workday(r.atten_time)}
      order: r.atten_time
  - id: pairs
    map:
      person: r.person
      day: r.day
      first: r.first.atten_time
      last: r.last.atten_time
      seconds: seconds(r.last.atten_time - r.first.atten_time)
  - id: out
    output: {file: %q}
`, in, filepath.Join(dir, "pairs.jsonl"))
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		b.Fatal(err)
	}
	p, err := Load(path, LoadOptions{Now: fixedNow, APIs: generated.APIs()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := p.Run(context.Background(), RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if s.Steps[0].Out != records {
			b.Fatalf("read %d records", s.Steps[0].Out)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}
