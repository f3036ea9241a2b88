package scalar_test

import (
	"encoding/json"
	"fmt"

	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

func Example() {
	// A kqapi punch record: every field is a string, as the real API sends it.
	var punch struct {
		ID     scalar.Int    `json:"atten_id"`
		Time   scalar.Unix   `json:"atten_time"`
		Device scalar.String `json:"atten_device"`
	}
	err := json.Unmarshal([]byte(`{"atten_id":"145400741","atten_time":"1488382371","atten_device":3394154900086}`), &punch)
	fmt.Println(punch.ID, punch.Time.Time(), punch.Device, err)

	var bad scalar.Int
	fmt.Println(json.Unmarshal([]byte(`"abc"`), &bad))
	// Output:
	// 145400741 2017-03-01 15:32:51 +0000 UTC 3394154900086 <nil>
	// scalar.Int: cannot decode "abc" as an integer
}

func ExampleDecimal() {
	var quota struct {
		Total     scalar.Decimal `json:"total_quota"`
		Available scalar.Decimal `json:"available_quota"`
	}
	_ = json.Unmarshal([]byte(`{"total_quota":"1000.00","available_quota":250.5}`), &quota)
	used := quota.Total.Sub(quota.Available)
	out, _ := json.Marshal(used)
	fmt.Println(used, string(out), used.Cmp(quota.Total) < 0)
	// Output: 749.50 "749.50" true
}
