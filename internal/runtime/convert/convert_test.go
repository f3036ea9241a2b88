package convert

import (
	"testing"
	"time"
)

func TestConvert(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	if n, err := Int("42"); err != nil || n != 42 {
		t.Errorf("Int(\"42\") = %d, %v", n, err)
	}
	if n, err := Int(3.0); err != nil || n != 3 {
		t.Errorf("Int(3.0) = %d, %v", n, err)
	}
	for _, bad := range []any{"x", 1.5, true, []int{1}} {
		if _, err := Int(bad); err == nil {
			t.Errorf("Int(%v): want an error", bad)
		}
	}
	if s, err := String(int64(1125904357323169)); err != nil || s != "1125904357323169" {
		t.Errorf("String(big id) = %q, %v", s, err)
	}
	if b, err := Bool("yes"); err != nil || !b {
		t.Errorf("Bool(yes) = %v, %v", b, err)
	}
	if _, err := Bool(2); err == nil {
		t.Error("Bool(2): want an error")
	}
	d, err := Date("2026-11-20", loc)
	if err != nil || !d.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, loc)) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if _, err := Date("20/11/2026", loc); err == nil {
		t.Error("Date(20/11/2026): want an error")
	}
	// A time.Time is reduced to its calendar day in the zone.
	d, _ = Date(time.Date(2026, 11, 19, 17, 0, 0, 0, time.UTC), loc)
	if d.Day() != 20 {
		t.Errorf("Date(17:00 UTC) = %v, want 20 Nov in Shanghai", d)
	}
	dec, err := Decimal("1000.00")
	if err != nil || dec.String() != "1000.00" {
		t.Errorf("Decimal = %v, %v", dec, err)
	}
	ids, err := List([]any{"1", 2}, Int)
	if err != nil || len(ids) != 2 || ids[1] != 2 {
		t.Errorf("List = %v, %v", ids, err)
	}
}
