// Package company is the fictional company behind every emulator fixture: its departments,
// employees, shifts, cost centers and projects. The kqapi, Didi and Kimai fixtures are all built
// from [Default], so an attendance account in kqapi is the accountNumber of a Kimai user, and a
// Didi cost center's out_budget_id is what a Kimai customer number should become.
//
// Everything here is deterministic: the same roster comes out on every machine.
package company

import (
	"fmt"
	"time"
)

// Zone is the company's time zone.
const Zone = "Asia/Shanghai"

// Zones of the head-office variant ([HeadOffice]): the head office that administers the tools,
// and the overseas sales office.
const (
	HeadOfficeZone = "Europe/Berlin"
	OverseasZone   = "America/Los_Angeles"
)

// Department is an attendance department (kqapi getDepartment) and a Didi cost center of type 1.
type Department struct {
	ID          int    // kqapi department id
	ParentID    int    // 0 for top level
	Name        string // e.g. 研发部
	Top         int    // kqapi sort order
	OutBudgetID string // Didi out_budget_id, e.g. "D-RD"
	Leader      string // employee account of the department head
}

// Shift is a daily schedule in local time. A shift whose Off is before its Work crosses midnight.
type Shift struct {
	Name string
	Work string // "09:00"
	Off  string // "18:00"
}

// Crosses reports whether the shift ends on the day after it starts.
func (s Shift) Crosses() bool { return s.Off < s.Work }

// Employee is a person with an attendance account.
type Employee struct {
	Account  string // kqapi CC number (atten_uid, useraccount); the Kimai user's accountNumber
	Name     string // realname
	DeptID   int
	Mobile   string
	Email    string
	Sex      int // 1 male, 2 female
	Card     string
	Shift    Shift
	Kimai    bool   // has a Kimai user whose accountNumber is Account
	Username string // Kimai username when Kimai is true
	Timezone string // Kimai user time zone
}

// Project is a Didi cost center of type 2 (project) under a department.
type Project struct {
	Name        string
	DeptIndex   int    // index into Company.Departments of the parent department
	OutBudgetID string // "" when the project has none (the Kimai number is then the Didi id)
	Leader      string // employee account
}

// Device is an attendance terminal.
type Device struct {
	SN     string
	Remark string
}

// Company is the whole roster.
type Company struct {
	Name        string
	Departments []Department
	Employees   []Employee
	Projects    []Project
	Devices     []Device
	// Year and Month are the month the punch history covers.
	Year  int
	Month time.Month
	// HeadOfficeZone is the zone the company's tools are administered from ("": Zone).
	HeadOfficeZone string
}

// Shifts used by the roster.
var (
	DayShift   = Shift{Name: "白班", Work: "09:00", Off: "18:00"}
	EarlyShift = Shift{Name: "早班", Work: "08:30", Off: "17:30"}
	NightShift = Shift{Name: "夜班", Work: "22:00", Off: "06:00"}
)

var deptNames = []struct {
	name, out string
	size      int
	shift     Shift
}{
	{"总经办", "D-CEO", 6, DayShift},
	{"研发部", "D-RD", 28, DayShift},
	{"测试部", "D-QA", 12, DayShift},
	{"产品部", "D-PM", 10, DayShift},
	{"市场部", "D-MKT", 14, EarlyShift},
	{"销售部", "D-SALES", 18, EarlyShift},
	{"财务部", "D-FIN", 8, DayShift},
	{"生产部", "D-OPS", 24, NightShift},
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
var given = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
	"刚", "桂英", "华", "建华", "玉兰", "志强", "海燕", "晓东", "婷", "浩然", "子涵", "雨萱", "思远", "宇航", "欣怡", "俊杰", "嘉怡", "梓轩"}

// Default returns the company every fixture is built from: 120 employees in 8 departments, with
// punches for October 2026.
func Default() Company {
	c := Company{Name: "示例科技有限公司", Year: 2026, Month: time.October}
	acct := 1100200
	for i, d := range deptNames {
		dept := Department{ID: 101 + i, Name: d.name, Top: len(deptNames) - i, OutBudgetID: d.out}
		for k := 0; k < d.size; k++ {
			n := len(c.Employees)
			acct += 7 + (n*13)%11
			e := Employee{
				Account:  fmt.Sprint(acct),
				Name:     string(surnames[(n*7)%len(surnames)]) + given[(n*5+i)%len(given)],
				DeptID:   dept.ID,
				Mobile:   fmt.Sprintf("138%08d", 10000000+n*7919%90000000),
				Sex:      1 + n%2,
				Card:     fmt.Sprint(3000000 + n*17),
				Shift:    d.shift,
				Timezone: Zone,
			}
			e.Email = fmt.Sprintf("user%s@example.cn", e.Account)
			// Every employee has a Kimai user except every 17th one, who is left unmapped on purpose.
			if n%17 != 16 {
				e.Kimai = true
				e.Username = "u" + e.Account
			}
			if k == 0 {
				dept.Leader = e.Account
			}
			c.Employees = append(c.Employees, e)
		}
		c.Departments = append(c.Departments, dept)
	}
	c.Projects = []Project{
		{Name: "新一代考勤平台", DeptIndex: 1, OutBudgetID: "P-RD-ATT", Leader: c.Employees[6].Account},
		{Name: "移动端重构", DeptIndex: 1, OutBudgetID: "P-RD-APP", Leader: c.Employees[7].Account},
		{Name: "数据中台", DeptIndex: 1, Leader: c.Employees[8].Account},
		{Name: "自动化测试", DeptIndex: 2, OutBudgetID: "P-QA-AUTO", Leader: c.Employees[35].Account},
		{Name: "双十一大促", DeptIndex: 4, OutBudgetID: "P-MKT-1111", Leader: c.Employees[57].Account},
		{Name: "华南渠道拓展", DeptIndex: 5, OutBudgetID: "P-SALES-SC", Leader: c.Employees[70].Account},
		{Name: "年度审计", DeptIndex: 6, Leader: c.Employees[90].Account},
		{Name: "产线升级", DeptIndex: 7, OutBudgetID: "P-OPS-LINE", Leader: c.Employees[100].Account},
	}
	c.Devices = []Device{
		{SN: "Q10171210591", Remark: "总部一楼大厅"},
		{SN: "Q10171210592", Remark: "总部三楼研发区"},
		{SN: "3394154900086", Remark: "生产车间"},
	}
	return c
}

// HeadOffice returns [Default] run from a head office abroad: the company's tools are
// administered from [HeadOfficeZone] (the Kimai fixture puts its administrator there), and the
// first three employees of 销售部 with a Kimai user work in [OverseasZone]. The roster,
// accounts and punches are those of Default, so the kqapi and Didi fixtures stay the same.
func HeadOffice() Company {
	c := Default()
	c.HeadOfficeZone = HeadOfficeZone
	moved := 0
	for i := range c.Employees {
		e := &c.Employees[i]
		if moved < 3 && e.Kimai && e.DeptID == c.Departments[5].ID {
			e.Timezone = OverseasZone
			moved++
		}
	}
	return c
}

// Department returns the department with the given id.
func (c Company) Department(id int) (Department, bool) {
	for _, d := range c.Departments {
		if d.ID == id {
			return d, true
		}
	}
	return Department{}, false
}

// Location loads the company's time zone.
func Location() *time.Location {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}
