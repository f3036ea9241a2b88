// Command baseline is the hand-written Go program the transform benchmark compares `pipe run`
// with: read punch records as JSON lines with encoding/json, keep atten_status == "0", group by
// person and work day (04:00 boundary, Asia/Shanghai) into first punch, last punch and the seconds
// between, and write JSON lines.
//
//	go run ./bench/baseline < punches.jsonl > groups.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

type punch struct {
	AttenUID    string `json:"atten_uid"`
	AttenStatus string `json:"atten_status"`
	AttenTime   string `json:"atten_time"`
}

type key struct{ uid, day string }

type group struct{ first, last int64 }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run() error {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bufio.NewReaderSize(os.Stdin, 1<<20))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	groups := map[key]*group{}
	var order []key
	for sc.Scan() {
		var p punch
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return err
		}
		if p.AttenStatus != "0" {
			continue
		}
		t, err := strconv.ParseInt(p.AttenTime, 10, 64)
		if err != nil {
			return err
		}
		day := time.Unix(t, 0).In(loc).Add(-4 * time.Hour).Format("2006-01-02")
		k := key{p.AttenUID, day}
		g, ok := groups[k]
		if !ok {
			g = &group{first: t, last: t}
			groups[k] = g
			order = append(order, k)
		}
		g.first = min(g.first, t)
		g.last = max(g.last, t)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	for _, k := range order {
		g := groups[k]
		fmt.Fprintf(w, `{"uid":"%s","day":"%s","first":%d,"last":%d,"seconds":%d}`+"\n", k.uid, k.day, g.first, g.last, g.last-g.first)
	}
	return w.Flush()
}
