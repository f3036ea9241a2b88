package didi

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docExample is the 正常示例 of BudgetCenter/get in Didi's BudgetCenter/get document (2024 edition):
// total is a number, every record scalar a string, amounts with two decimals.
const docExample = `{"errno":0,"errmsg":"SUCCESS","data":{"total":32,"records":[{"id":"6388733755640532997","name":"openapi1452169149","company_id":"4591398120721764364","status":"0","out_budget_id":"0","type":"1","budget_cycle":"1","is_limit_quota":"1","member_num":"0","total_quota":"1000.00","available_quota":"1000.00","budget_extra_info":"{\"test\":\"test1\"}","leader_item_list":[{"leader_id":"1125935173600502","leader_name":"郭蒙3","leader_type":"major"},{"leader_id":"1125935066392161","leader_name":"郭蒙1","leader_type":"other"}],"freeze_quota":"0.00"}]}}`

func TestDecodeDocExample(t *testing.T) {
	var env struct {
		Data BudgetCenterPage `json:"data"`
	}
	if err := json.Unmarshal([]byte(docExample), &env); err != nil {
		t.Fatal(err)
	}
	p := env.Data
	if p.Total != 32 || len(p.Records) != 1 {
		t.Fatalf("page = %+v", p)
	}
	r := p.Records[0]
	// Ids beyond 2^53 stay exact as strings; amounts stay exact decimals with their scale.
	if r.ID != "6388733755640532997" || r.Type != BudgetCenterTypeDepartment || r.BudgetCycle != 1 || r.IsLimitQuota != 1 {
		t.Errorf("record = %+v", r)
	}
	if got := []string{r.TotalQuota.String(), r.AvailableQuota.String(), r.FreezeQuota.String()}; !cmp.Equal(got, []string{"1000.00", "1000.00", "0.00"}) {
		t.Errorf("amounts = %v", got)
	}
	if len(r.LeaderItemList) != 2 || r.LeaderItemList[0].LeaderName != "郭蒙3" || r.LeaderItemList[0].LeaderType != "major" {
		t.Errorf("leaders = %+v", r.LeaderItemList)
	}
}
