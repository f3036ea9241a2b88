package didi

import (
	"fmt"
	"strconv"

	"github.com/specpipe/specpipe/internal/emulator/company"
)

// Sandbox credentials of the default fixture.
const (
	SandboxClientID     = "sandbox-client"
	SandboxClientSecret = "sandbox-secret"
	SandboxSignKey      = "sandbox-sign-key"
	// The second client signs with SHA-256 and manages the same company.
	SandboxClientID2     = "sandbox-client-sha256"
	SandboxClientSecret2 = "sandbox-secret-2"
	SandboxSignKey2      = "sandbox-sign-key-2"
	// SandboxCompanyID is the company both sandbox clients manage.
	SandboxCompanyID = "1125899906842625"
	// OtherCompanyID is a company only the SHA-256 client manages.
	OtherCompanyID = "1125899906849001"
)

// Sandbox keys for encrypted transport, when a sandbox turns it on (RequireEncryption).
const (
	SandboxAES128Key = "sandbox-aes-key!"                                                 // 16 bytes of text
	SandboxAES256Key = "5a4e1d3c2b0a99887766554433221100ffeeddccbbaa00112233445566778899" // 64 hex digits
)

// RequireEncryption makes every client of f require encrypted transport: EncryptAES128 or
// EncryptAES256 with the sandbox key of that kind. It returns the key.
func RequireEncryption(f *Fixture, encryption string) (string, error) {
	var key string
	switch encryption {
	case EncryptAES128:
		key = SandboxAES128Key
	case EncryptAES256:
		key = SandboxAES256Key
	default:
		return "", fmt.Errorf("didi: unknown encryption %q (want %s or %s)", encryption, EncryptAES128, EncryptAES256)
	}
	for i := range f.Clients {
		f.Clients[i].Encryption, f.Clients[i].AESKey = encryption, key
	}
	return key, nil
}

const defaultScope = "car|selfcar|river_member|river_order|river_invoice|river_company|river_card"

// BuildFixture builds the fixture for c deterministically: departments become cost centers of
// type 1 (out_budget_id from the company), projects type 2 under their department (some without
// out_budget_id), employees become members, plus one legal entity.
func BuildFixture(c company.Company) *Fixture {
	f := &Fixture{
		Clients: []Client{
			{ClientID: SandboxClientID, ClientSecret: SandboxClientSecret, SignKey: SandboxSignKey, SignMethod: SignMD5,
				Scope: defaultScope, Companies: []string{SandboxCompanyID}},
			{ClientID: SandboxClientID2, ClientSecret: SandboxClientSecret2, SignKey: SandboxSignKey2, SignMethod: SignSHA256,
				Scope: defaultScope, Companies: []string{SandboxCompanyID, OtherCompanyID}},
		},
		Companies: []Company{{ID: SandboxCompanyID, Name: c.Name}, {ID: OtherCompanyID, Name: "示例科技(深圳)有限公司"}},
	}
	le := LegalEntity{ID: "1125912000000101", CompanyID: SandboxCompanyID, Name: c.Name, OutLegalEntityID: "LE-HQ",
		TaxpayerNo: "91310000MA1K000001", Address: "上海市浦东新区示例路100号", Telephone: "021-50000000",
		OpenBank: "招商银行上海分行", BankCardNo: "6214830000000001", StartTime: "2020-01-01", EndTime: "2099-12-31", Status: 1}
	f.LegalEntities = []LegalEntity{le,
		{ID: "1125912000000102", CompanyID: SandboxCompanyID, Name: c.Name + "北京分公司", OutLegalEntityID: "LE-BJ",
			TaxpayerNo: "91110000MA1K000002", Address: "北京市海淀区示例街8号", Telephone: "010-60000000",
			StartTime: "2021-06-01", EndTime: "2099-12-31", Status: 1},
		{ID: "1125912000000103", CompanyID: SandboxCompanyID, Name: c.Name + "杭州分公司(已注销)", OutLegalEntityID: "LE-HZ",
			StartTime: "2019-01-01", EndTime: "2024-12-31", Status: 0},
	}

	memberID := map[string]string{} // employee account → member id
	for i, e := range c.Employees {
		memberID[e.Account] = strconv.FormatInt(1125935173600502+int64(i)*37, 10)
	}
	deptID := make([]string, len(c.Departments))
	for i := range c.Departments {
		deptID[i] = strconv.FormatInt(1125904357323169+int64(i)*101, 10)
	}
	deptOf := map[int]int{}
	for i, d := range c.Departments {
		deptOf[d.ID] = i
	}
	members := map[int]int{}
	for _, e := range c.Employees {
		members[deptOf[e.DeptID]]++
	}
	for i, d := range c.Departments {
		bc := BudgetCenter{ID: deptID[i], CompanyID: SandboxCompanyID, Name: d.Name, Type: 1, OutBudgetID: d.OutBudgetID,
			TotalQuota: "0.00", AvailableQuota: "0.00", FreezeQuota: "0.00", MemberNum: members[i], ParentID: "0",
			LegalEntityID: le.ID}
		if d.Leader != "" {
			bc.LeaderIDs = []string{memberID[d.Leader]}
		}
		if i%3 == 1 { // every third department has a monthly quota
			bc.BudgetCycle, bc.IsLimitQuota = 1, 1
			bc.TotalQuota = fmt.Sprintf("%d.00", 5000*(i+1))
			bc.AvailableQuota = fmt.Sprintf("%d.50", 5000*(i+1)-1234-i*100)
			bc.FreezeQuota = "45.50"
		}
		f.BudgetCenters = append(f.BudgetCenters, bc)
	}
	projectIDs := map[int][]string{}
	for i, p := range c.Projects {
		id := strconv.FormatInt(1125904357329001+int64(i)*113, 10)
		bc := BudgetCenter{ID: id, CompanyID: SandboxCompanyID, Name: p.Name, Type: 2, OutBudgetID: p.OutBudgetID,
			TotalQuota: "0.00", AvailableQuota: "0.00", FreezeQuota: "0.00", ParentID: deptID[p.DeptIndex],
			MemberUsed: i % 2, StartDate: "2026-01-01", ExpiryDate: "0", LegalEntityID: le.ID}
		if p.Leader != "" {
			bc.LeaderIDs = []string{memberID[p.Leader]}
			if l := c.Departments[p.DeptIndex].Leader; l != "" && l != p.Leader {
				bc.LeaderIDs = append(bc.LeaderIDs, memberID[l])
			}
		}
		if i%4 == 0 {
			bc.ExpiryDate = "2026-12-31"
			bc.TotalQuota, bc.AvailableQuota, bc.IsLimitQuota = "20000.00", "18650.30", 1
			bc.BudgetExtraInfo = `{"cost_code":"` + p.OutBudgetID + `"}`
		}
		projectIDs[p.DeptIndex] = append(projectIDs[p.DeptIndex], id)
		f.BudgetCenters = append(f.BudgetCenters, bc)
	}
	for i, e := range c.Employees {
		di := deptOf[e.DeptID]
		m := Member{ID: memberID[e.Account], CompanyID: SandboxCompanyID, Phone: e.Mobile, RealName: e.Name,
			EmployeeNumber: e.Account, Email: e.Email, Sex: e.Sex, Status: 1, BudgetCenterID: deptID[di],
			LegalEntityID: le.ID, UseCompanyMoney: 1, TotalQuota: "0.00", AvailableQuota: "0.00"}
		if ps := projectIDs[di]; len(ps) > 0 && i%2 == 0 {
			m.ProjectIDs = ps[i%len(ps)]
		}
		switch {
		case i%29 == 28: // left the company
			m.Status, m.DismissTime = 4, "2026-09-30 18:00:00"
		case i%41 == 40: // phone not bound yet
			m.Status = 6
		}
		f.Members = append(f.Members, m)
	}
	return f
}
