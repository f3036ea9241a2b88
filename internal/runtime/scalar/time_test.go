package scalar

import (
	"strings"
	"testing"
	"time"
)

var shanghai = time.FixedZone("CST", 8*3600)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		loc     *time.Location
		want    time.Time
		wantErr bool
	}{
		{in: "2017-03-01", loc: shanghai, want: time.Date(2017, 3, 1, 0, 0, 0, 0, shanghai)},
		{in: " 2024-02-29 ", loc: time.UTC, want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{in: "2017-03-01", loc: nil, want: time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2023-02-29", loc: time.UTC, wantErr: true},
		{in: "2017-3-1", loc: time.UTC, wantErr: true},
		{in: "2017-03-01 10:00", loc: time.UTC, wantErr: true},
		{in: "", loc: time.UTC, wantErr: true},
		{in: "0000-00-00", loc: time.UTC, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in, tt.loc)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %v, want error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "as a date") {
					t.Errorf("error %q does not say what was expected", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) || got.Location().String() != tt.want.Location().String() {
				t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDateTime(t *testing.T) {
	tonga := time.FixedZone("", 13*3600)
	minus7 := time.FixedZone("", -7*3600)
	tests := []struct {
		in         string
		loc        *time.Location
		want       time.Time
		wantOffset int // seconds east of UTC the result must carry
		wantErr    bool
	}{
		{in: "2018-07-24 11:27:05", loc: shanghai, want: time.Date(2018, 7, 24, 11, 27, 5, 0, shanghai), wantOffset: 8 * 3600},
		{in: "2018-07-24 11:27", loc: shanghai, want: time.Date(2018, 7, 24, 11, 27, 0, 0, shanghai), wantOffset: 8 * 3600},
		{in: "2019-04-20T14:00:00", loc: shanghai, want: time.Date(2019, 4, 20, 14, 0, 0, 0, shanghai), wantOffset: 8 * 3600},
		{in: "2019-04-20T14:00", loc: shanghai, want: time.Date(2019, 4, 20, 14, 0, 0, 0, shanghai), wantOffset: 8 * 3600},
		{in: "2019-04-20T14:00:00", loc: nil, want: time.Date(2019, 4, 20, 14, 0, 0, 0, time.UTC)},
		{in: "2019-04-20 14:00:00.250", loc: time.UTC, want: time.Date(2019, 4, 20, 14, 0, 0, 250e6, time.UTC)},
		{in: "2020-03-27T14:35:00+1300", loc: shanghai, want: time.Date(2020, 3, 27, 14, 35, 0, 0, tonga), wantOffset: 13 * 3600},
		{in: "2020-03-27T14:35:00+13:00", loc: shanghai, want: time.Date(2020, 3, 27, 14, 35, 0, 0, tonga), wantOffset: 13 * 3600},
		{in: "2020-03-27T14:35:00-0700", loc: shanghai, want: time.Date(2020, 3, 27, 14, 35, 0, 0, minus7), wantOffset: -7 * 3600},
		{in: "2020-03-27T14:35:00Z", loc: shanghai, want: time.Date(2020, 3, 27, 14, 35, 0, 0, time.UTC)},
		{in: "2020-03-27T14:35:00.5+08:00", loc: time.UTC, want: time.Date(2020, 3, 27, 14, 35, 0, 5e8, shanghai), wantOffset: 8 * 3600},
		{in: "2020-03-27 14:35:00+0800", loc: time.UTC, want: time.Date(2020, 3, 27, 14, 35, 0, 0, shanghai), wantOffset: 8 * 3600},
		{in: "2020-03-27", loc: time.UTC, wantErr: true},
		{in: "2020-03-27T25:00:00", loc: time.UTC, wantErr: true},
		{in: "27/03/2020 14:35", loc: time.UTC, wantErr: true},
		{in: "1522405040", loc: time.UTC, wantErr: true},
		{in: "", loc: time.UTC, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDateTime(tt.in, tt.loc)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDateTime(%q) = %v, want error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "as a date and time") {
					t.Errorf("error %q does not say what was expected", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseDateTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if _, off := got.Zone(); off != tt.wantOffset {
				t.Errorf("ParseDateTime(%q) has offset %ds, want %ds", tt.in, off, tt.wantOffset)
			}
		})
	}
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "09:00", want: 9 * time.Hour},
		{in: "9:00", want: 9 * time.Hour},
		{in: "19:30", want: 19*time.Hour + 30*time.Minute},
		{in: "09:00:15", want: 9*time.Hour + 15*time.Second},
		{in: "00:00", want: 0},
		{in: "23:59:59", want: 24*time.Hour - time.Second},
		{in: "24:00", want: 24 * time.Hour},
		{in: " 08:30 ", want: 8*time.Hour + 30*time.Minute},
		{in: "24:01", wantErr: true},
		{in: "25:00", wantErr: true},
		{in: "09:60", wantErr: true},
		{in: "09:00:60", wantErr: true},
		{in: "9", wantErr: true},
		{in: "09:0", wantErr: true},
		{in: "009:00", wantErr: true},
		{in: "-1:00", wantErr: true},
		{in: "+9:00", wantErr: true},
		{in: "09:00:00:00", wantErr: true},
		{in: "ab:cd", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimeOfDay(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTimeOfDay(%q) = %v, want error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "as a time of day") {
					t.Errorf("error %q does not say what was expected", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseTimeOfDay(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tm := time.Date(2020, 3, 27, 14, 35, 7, 0, shanghai)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"FormatDate", FormatDate(tm), "2020-03-27"},
		{"FormatDateTime default", FormatDateTime(tm, ""), "2020-03-27 14:35:07"},
		{"FormatDateTime kimai", FormatDateTime(tm, "2006-01-02T15:04:05"), "2020-03-27T14:35:07"},
		{"FormatDateTime offset", FormatDateTime(tm, "2006-01-02T15:04:05-0700"), "2020-03-27T14:35:07+0800"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
