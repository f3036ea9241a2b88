package didi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Fixture is the seed state of the emulator: API clients with their secrets, the companies they
// manage, cost centers (BudgetCenter), members and legal entities. The credentials are sandbox
// credentials.
type Fixture struct {
	Clients       []Client       `json:"clients"`
	Companies     []Company      `json:"companies"`
	BudgetCenters []BudgetCenter `json:"budget_centers"`
	Members       []Member       `json:"members"`
	LegalEntities []LegalEntity  `json:"legal_entities"`
}

// Sign methods of a client, as set in the console (开发配置 → 安全设置 → 接口加密信息).
const (
	SignMD5    = "md5"
	SignSHA256 = "sha256"
)

// Client is an application registered with Didi: client_id (AppKey), client_secret, the sign_key
// used in signatures, its sign method and the companies it manages.
type Client struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	SignKey      string   `json:"sign_key"`
	SignMethod   string   `json:"sign_method"` // SignMD5 (default) or SignSHA256
	Scope        string   `json:"scope,omitempty"`
	Companies    []string `json:"companies"`
	// Encryption is the transport the client must use: "" (clear, the default), EncryptAES128
	// (ent 1) or EncryptAES256 (ent 2), with AESKey: the key text for aes128, 64 hex digits for
	// aes256 (开发配置 → 接口加密传输的Key).
	Encryption string `json:"encryption,omitempty"`
	AESKey     string `json:"aes_key,omitempty"`
	// AllowedIPs is the client's IP allow list (IP白名单): addresses or CIDR prefixes. Empty allows
	// every address; a call from elsewhere is answered errno 10002.
	AllowedIPs []string `json:"allowed_ips,omitempty"`
}

// Company is an enterprise account (company_id).
type Company struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// BudgetCenter is a department (Type 1) or project (Type 2) cost center. Amounts are yuan with two
// decimals ("1000.00"); Deleted marks one disabled by del (it no longer appears in get).
type BudgetCenter struct {
	ID              string   `json:"id"`
	CompanyID       string   `json:"company_id"`
	Name            string   `json:"name"`
	Type            int      `json:"type"`
	BudgetCycle     int      `json:"budget_cycle"`
	OutBudgetID     string   `json:"out_budget_id,omitempty"`
	TotalQuota      string   `json:"total_quota"`
	AvailableQuota  string   `json:"available_quota"`
	FreezeQuota     string   `json:"freeze_quota"`
	IsLimitQuota    int      `json:"is_limit_quota"`
	MemberNum       int      `json:"member_num"`
	LeaderIDs       []string `json:"leader_ids,omitempty"` // member ids; the first is the major leader
	ParentID        string   `json:"parent_id"`            // "0" at the top
	MemberUsed      int      `json:"member_used"`
	StartDate       string   `json:"start_date,omitempty"`
	ExpiryDate      string   `json:"expiry_date,omitempty"` // "0" = permanent
	LegalEntityID   string   `json:"legal_entity_id,omitempty"`
	BudgetExtraInfo string   `json:"budget_extra_info,omitempty"`
	Deleted         bool     `json:"deleted,omitempty"`
}

// Member is an employee registered with Didi. Status is 1 normal, 4 left, 6 phone unbound.
type Member struct {
	ID              string `json:"id"`
	CompanyID       string `json:"company_id"`
	Phone           string `json:"phone"`
	RealName        string `json:"realname"`
	EmployeeNumber  string `json:"employee_number"`
	Email           string `json:"email,omitempty"`
	Sex             int    `json:"sex"`
	Status          int    `json:"status"`
	BudgetCenterID  string `json:"budget_center_id"`
	ProjectIDs      string `json:"project_ids,omitempty"` // comma-separated
	LegalEntityID   string `json:"legal_entity_id,omitempty"`
	UseCompanyMoney int    `json:"use_company_money"`
	TotalQuota      string `json:"total_quota"`
	AvailableQuota  string `json:"available_quota"`
	DismissTime     string `json:"dismiss_time,omitempty"`
}

// LegalEntity is a company legal entity (公司主体). Status 1 is active, 0 disabled.
type LegalEntity struct {
	ID               string `json:"legal_entity_id"`
	CompanyID        string `json:"company_id"`
	Name             string `json:"name"`
	OutLegalEntityID string `json:"out_legal_entity_id,omitempty"`
	TaxpayerNo       string `json:"taxpayer_no,omitempty"`
	Address          string `json:"address,omitempty"`
	Telephone        string `json:"telephone,omitempty"`
	OpenBank         string `json:"open_bank,omitempty"`
	BankCardNo       string `json:"bank_card_no,omitempty"`
	StartTime        string `json:"start_time,omitempty"`
	EndTime          string `json:"end_time,omitempty"`
	Status           int    `json:"status"`
}

//go:embed fixture.json
var defaultFixtureJSON []byte

// DefaultFixture returns a fresh copy of the embedded default fixture, built from company.Default().
func DefaultFixture() (*Fixture, error) {
	return decodeFixture(defaultFixtureJSON, "embedded fixture.json")
}

func decodeFixture(b []byte, name string) (*Fixture, error) {
	var f Fixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("didi: decode fixture %s: %w", name, err)
	}
	return &f, nil
}

// EncodeFixture writes f as JSON with one list element per line. The output is deterministic.
func EncodeFixture(f *Fixture) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("{\n")
	v := reflect.ValueOf(*f)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fmt.Fprintf(&buf, "  %q: [", name)
		fv := v.Field(i)
		for k := 0; k < fv.Len(); k++ {
			b, err := json.Marshal(fv.Index(k).Interface())
			if err != nil {
				return nil, fmt.Errorf("didi: encode fixture %s: %w", name, err)
			}
			buf.WriteString("\n    ")
			buf.Write(b)
			if k < fv.Len()-1 {
				buf.WriteByte(',')
			}
		}
		if fv.Len() > 0 {
			buf.WriteString("\n  ")
		}
		buf.WriteByte(']')
		if i < t.NumField()-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}
