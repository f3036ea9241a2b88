// Command genpunches writes N kqapi recordlog punch records as JSON lines, shaped like the real
// API's records (every scalar a string, about 280 bytes each): 5,000 people over 30 days, about 3%
// with atten_status other than "0". The output is deterministic for a given N and seed.
//
//	go run ./bench/genpunches -n 1000000 > punches.jsonl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of records")
	people := flag.Int("people", 5000, "number of people")
	days := flag.Int("days", 30, "number of days")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := generate(bufio.NewWriterSize(os.Stdout, 1<<20), *n, *people, *days, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genpunches:", err)
		os.Exit(1)
	}
}

var depts = []string{"总经办", "研发部", "测试部", "产品部", "市场部", "销售部", "财务部", "生产部"}
var names = []string{"王伟", "李芳", "张娜", "刘敏", "陈静", "杨丽", "黄强", "赵磊", "吴军", "周洋", "徐勇", "孙艳"}

func generate(w *bufio.Writer, n, people, days int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	loc := time.FixedZone("CST", 8*3600)
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	slots := people * days
	for i := 0; i < n; i++ {
		// Spread records evenly over person-days; within a day, punches fall between 07:00 and
		// 02:00 the next morning, so some belong to the previous work day under a 04:00 boundary.
		slot := i % slots
		person, day := slot%people, slot/people
		t := start.AddDate(0, 0, day).Add(7*time.Hour + time.Duration(rng.IntN(19*3600))*time.Second)
		status := "0"
		if rng.IntN(100) < 3 {
			status = "255"
		}
		uid := 1000000 + person*7
		fmt.Fprintf(w, `{"atten_id":"%d","atten_device":"Q1017121%04d","atten_uid":"%d","atten_type":"1","atten_status":"%s","atten_time":"%d","atten_date":"%s","companyId":"11024","realname":"%s","departname":"%s","remark":"总部一楼大厅考勤机"}`+"\n",
			700000000+i, person%97, uid, status, t.Unix(), t.Format("2006-01-02"), names[person%len(names)], depts[person%len(depts)])
	}
	return w.Flush()
}
