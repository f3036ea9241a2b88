package kqapi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PageSize is the number of rows in a page of every paged endpoint.
const PageSize = 50

// paged is the common head of paged answers: total is a string, totalpage and page are ints.
type paged struct {
	Total     string `json:"total"`
	TotalPage int    `json:"totalpage"`
	Page      int    `json:"page"`
}

// pageOf returns the page head and the [lo, hi) slice bounds of the requested page of n rows.
// A missing, non-numeric or non-positive page is page 1 (PHP intval).
func pageOf(n int, p params) (paged, int, int) {
	pg, _ := strconv.Atoi(strings.TrimSpace(p["page"]))
	pg = max(pg, 1)
	lo := n
	if pg <= n/PageSize+1 { // guards the multiplication against absurd pages
		lo = (pg - 1) * PageSize
	}
	hi := min(lo+PageSize, n)
	return paged{Total: strconv.Itoa(n), TotalPage: (n + PageSize - 1) / PageSize, Page: pg}, lo, hi
}

func (e *Emulator) parseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), e.loc)
	if err != nil {
		return time.Time{}, apiError(errDateFormat)
	}
	return t, nil
}

func (e *Emulator) parseTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(localLayout, strings.TrimSpace(s), e.loc)
	if err != nil {
		return time.Time{}, apiError(errTimeFormat)
	}
	return t, nil
}

// dateRange parses the required start and end dates (inclusive) and checks start <= end.
func (e *Emulator) dateRange(p params) (time.Time, time.Time, error) {
	if p["start"] == "" || p["end"] == "" {
		return time.Time{}, time.Time{}, apiError("参数错误:start和end不能为空")
	}
	start, err := e.parseDate(p["start"])
	if err != nil {
		return start, start, err
	}
	end, err := e.parseDate(p["end"])
	if err != nil {
		return start, end, err
	}
	if end.Before(start) {
		return start, end, apiError(errStartAfterEnd)
	}
	return start, end, nil
}

func required(p params, names ...string) error {
	for _, n := range names {
		if strings.TrimSpace(p[n]) == "" {
			return apiError("参数错误:" + n + "不能为空")
		}
	}
	return nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (e *Emulator) employeeIndex(acct string) int {
	return slices.IndexFunc(e.emps, func(x Employee) bool { return x.Account == acct })
}

func (e *Emulator) deptIndex(id int) int {
	return slices.IndexFunc(e.depts, func(d Department) bool { return d.ID == id })
}

func (e *Emulator) deptName(id int) string {
	if i := e.deptIndex(id); i >= 0 {
		return e.depts[i].Name
	}
	return ""
}

// person returns the employee with acct, current or laid off.
func (e *Emulator) person(acct string) (Employee, bool) {
	if i := e.employeeIndex(acct); i >= 0 {
		return e.emps[i], true
	}
	emp, ok := e.left[acct]
	return emp, ok
}

func (e *Emulator) deviceIndex(sn string) int {
	return slices.IndexFunc(e.devices, func(d Device) bool { return d.SN == sn })
}

// employees resolves a comma-separated list of current employees' accounts.
func (e *Emulator) employees(list string) ([]int, error) {
	accts := splitList(list)
	if len(accts) == 0 {
		return nil, apiError("参数错误:useraccount不能为空")
	}
	var idx []int
	for _, a := range accts {
		i := e.employeeIndex(a)
		if i < 0 {
			return nil, apiError(errNoEmployee + ":" + a)
		}
		idx = append(idx, i)
	}
	return idx, nil
}

func (e *Emulator) devicesIn(list string) ([]string, error) {
	sns := splitList(list)
	for _, sn := range sns {
		if e.deviceIndex(sn) < 0 {
			return nil, apiError(errNoDevice + ":" + sn)
		}
	}
	return sns, nil
}

// punchRow is a recordlog record; every field is a string.
type punchRow struct {
	ID         string `json:"atten_id"`
	Device     string `json:"atten_device"`
	UID        string `json:"atten_uid"`
	Type       string `json:"atten_type"`
	Status     string `json:"atten_status"`
	Time       string `json:"atten_time"`
	Date       string `json:"atten_date"`
	CompanyID  string `json:"companyId"`
	RealName   string `json:"realname"`
	DepartName string `json:"departname"`
	Remark     string `json:"remark"`
}

// recordlog returns punches between start and end (local dates, inclusive; none = today; one of
// them alone = that day), never across a month, optionally for one employee.
func (e *Emulator) recordlog(now time.Time, p params) (any, error) {
	var start, end time.Time
	var err error
	switch {
	case p["start"] == "" && p["end"] == "":
		y, m, d := now.In(e.loc).Date()
		start = time.Date(y, m, d, 0, 0, 0, 0, e.loc)
		end = start
	case p["end"] == "":
		if start, err = e.parseDate(p["start"]); err != nil {
			return nil, err
		}
		end = start
	case p["start"] == "":
		if end, err = e.parseDate(p["end"]); err != nil {
			return nil, err
		}
		start = end
	default:
		if start, end, err = e.dateRange(p); err != nil {
			return nil, err
		}
	}
	if start.Year() != end.Year() || start.Month() != end.Month() {
		return nil, apiError(errCrossMonth)
	}
	from, to := start.Unix(), end.AddDate(0, 0, 1).Unix()
	user := strings.TrimSpace(p["useraccount"])
	var rows []Punch
	for _, x := range e.punches {
		if x.Time >= from && x.Time < to && (user == "" || x.Account == user) {
			rows = append(rows, x)
		}
	}
	slices.SortStableFunc(rows, func(a, b Punch) int { return cmpInt64(a.ID, b.ID) })
	head, lo, hi := pageOf(len(rows), p)
	out := struct {
		paged
		Attendata []punchRow `json:"attendata"`
	}{paged: head, Attendata: []punchRow{}}
	for _, x := range rows[lo:hi] {
		emp, _ := e.person(x.Account)
		remark := ""
		if i := e.deviceIndex(x.Device); i >= 0 {
			remark = e.devices[i].Remark
		}
		out.Attendata = append(out.Attendata, punchRow{
			ID: strconv.FormatInt(x.ID, 10), Device: x.Device, UID: x.Account, Type: x.Type, Status: x.Status,
			Time: strconv.FormatInt(x.Time, 10), Date: time.Unix(x.Time, 0).In(e.loc).Format("2006-01-02"),
			CompanyID: e.companyID, RealName: emp.RealName, DepartName: e.deptName(emp.DeptID), Remark: remark,
		})
	}
	return out, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type deptRow struct {
	ID   string `json:"id"`
	PID  string `json:"pid"`
	Name string `json:"name"`
	Top  string `json:"top"`
}

func (e *Emulator) getDepartment(time.Time, params) (any, error) {
	out := []deptRow{}
	for _, d := range e.depts {
		out = append(out, deptRow{strconv.Itoa(d.ID), strconv.Itoa(d.PID), d.Name, strconv.Itoa(d.Top)})
	}
	return out, nil
}

func (e *Emulator) parentID(s string) (int, error) {
	id, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || id < 0 || (id != 0 && e.deptIndex(id) < 0) {
		return 0, apiError("上级" + errNoDept)
	}
	return id, nil
}

// addDepartment adds a department and answers its id as a number.
func (e *Emulator) addDepartment(_ time.Time, p params) (any, error) {
	if err := required(p, "parentid", "deptname"); err != nil {
		return nil, err
	}
	pid, err := e.parentID(p["parentid"])
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(p["deptname"])
	if slices.ContainsFunc(e.depts, func(d Department) bool { return d.PID == pid && d.Name == name }) {
		return nil, apiError("部门名称已存在")
	}
	d := Department{ID: e.nextDept, PID: pid, Name: name}
	e.nextDept++
	e.depts = append(e.depts, d)
	return d.ID, nil
}

func (e *Emulator) updateDepartment(_ time.Time, p params) (any, error) {
	if err := required(p, "deptid"); err != nil {
		return nil, err
	}
	id, _ := strconv.Atoi(strings.TrimSpace(p["deptid"]))
	i := e.deptIndex(id)
	if i < 0 {
		return nil, apiError(errNoDept)
	}
	d := e.depts[i]
	if p.has("parentid") && p["parentid"] != "" {
		pid, err := e.parentID(p["parentid"])
		if err != nil {
			return nil, err
		}
		for a := pid; a != 0; {
			if a == id {
				return nil, apiError("上级部门不能是自己或下级部门")
			}
			j := e.deptIndex(a)
			if j < 0 {
				break
			}
			a = e.depts[j].PID
		}
		d.PID = pid
	}
	if name := strings.TrimSpace(p["deptname"]); name != "" {
		d.Name = name
	}
	e.depts[i] = d
	return "", nil
}

type userRow struct {
	Account     string `json:"account"`
	RealName    string `json:"realname"`
	Fingerprint int    `json:"fingerprint"`
	DepartName  string `json:"departname"`
	DeptID      string `json:"deptid"`
}

func (e *Emulator) getEmployee(_ time.Time, p params) (any, error) {
	head, lo, hi := pageOf(len(e.emps), p)
	out := struct {
		paged
		UserData []userRow `json:"userData"`
	}{paged: head, UserData: []userRow{}}
	for _, x := range e.emps[lo:hi] {
		out.UserData = append(out.UserData, userRow{x.Account, x.RealName, x.Fingerprint, e.deptName(x.DeptID), strconv.Itoa(x.DeptID)})
	}
	return out, nil
}

// numberOrString is what PHP prints for a numeric column: a number when it is one.
func numberOrString(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return s
}

func (e *Emulator) getUserDetail(_ time.Time, p params) (any, error) {
	if err := required(p, "useraccount"); err != nil {
		return nil, err
	}
	i := e.employeeIndex(strings.TrimSpace(p["useraccount"]))
	if i < 0 {
		return nil, apiError(errNoEmployee)
	}
	x := e.emps[i]
	return struct {
		Account     string `json:"account"`
		Email       string `json:"email"`
		RealName    string `json:"realname"`
		Mobile      string `json:"mobile"`
		Sex         string `json:"sex"`
		DepartName  string `json:"departname"`
		Fingerprint int    `json:"fingerprint"`
		Card        any    `json:"card"`
	}{x.Account, x.Email, x.RealName, x.Mobile, strconv.Itoa(x.Sex), e.deptName(x.DeptID), x.Fingerprint, numberOrString(x.Card)}, nil
}

// applyEmployeeFields copies the optional addEmployee/updateEmployee fields from p into x.
func (e *Emulator) applyEmployeeFields(x *Employee, p params) error {
	if v := strings.TrimSpace(p["realname"]); v != "" {
		x.RealName = v
	}
	if v := strings.TrimSpace(p["password"]); v != "" {
		x.PasswordMD5 = v
	}
	if v := strings.TrimSpace(p["mobile"]); v != "" {
		if len(v) != 11 || strings.Trim(v, "0123456789") != "" {
			return apiError("手机号码格式错误")
		}
		if j := slices.IndexFunc(e.emps, func(o Employee) bool { return o.Mobile == v && o.Account != x.Account }); j >= 0 {
			return apiError("手机号码已存在")
		}
		x.Mobile = v
	}
	if v, ok := p["email"]; ok {
		x.Email = strings.TrimSpace(v)
	}
	if v := strings.TrimSpace(p["card"]); v != "" {
		x.Card = v
	}
	if v := strings.TrimSpace(p["deptid"]); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil || e.deptIndex(id) < 0 {
			return apiError(errNoDept)
		}
		x.DeptID = id
	}
	if v := strings.TrimSpace(p["sex"]); v != "" {
		if v != "1" && v != "2" {
			return apiError("性别参数错误")
		}
		x.Sex = int(v[0] - '0')
	}
	if v := strings.TrimSpace(p["sn"]); v != "" {
		sns, err := e.devicesIn(v)
		if err != nil {
			return err
		}
		for _, sn := range sns {
			if !slices.Contains(x.Devices, sn) {
				x.Devices = append(x.Devices, sn)
			}
		}
	}
	return nil
}

// addEmployee adds an employee with a new CC number and answers {"account":"<n>"}. The new
// employee works the day shift 09:00-18:00.
func (e *Emulator) addEmployee(_ time.Time, p params) (any, error) {
	if err := required(p, "realname", "password", "mobile"); err != nil {
		return nil, err
	}
	x := Employee{Account: strconv.Itoa(e.nextAcct), Sex: 1, Work: "09:00", Off: "18:00"}
	if err := e.applyEmployeeFields(&x, p); err != nil {
		return nil, err
	}
	e.nextAcct++
	e.emps = append(e.emps, x)
	return struct {
		Account string `json:"account"`
	}{x.Account}, nil
}

func (e *Emulator) updateEmployee(_ time.Time, p params) (any, error) {
	if err := required(p, "useraccount"); err != nil {
		return nil, err
	}
	i := e.employeeIndex(strings.TrimSpace(p["useraccount"]))
	if i < 0 {
		return nil, apiError(errNoEmployee)
	}
	x := e.emps[i]
	x.Devices = slices.Clone(x.Devices)
	if err := e.applyEmployeeFields(&x, p); err != nil {
		return nil, err
	}
	e.emps[i] = x
	return "", nil
}

// layoffEmployee removes employees for good; their punches stay.
func (e *Emulator) layoffEmployee(_ time.Time, p params) (any, error) {
	idx, err := e.employees(p["useraccount"])
	if err != nil {
		return nil, err
	}
	gone := map[string]bool{}
	for _, i := range idx {
		gone[e.emps[i].Account] = true
		e.left[e.emps[i].Account] = e.emps[i]
	}
	e.emps = slices.DeleteFunc(e.emps, func(x Employee) bool { return gone[x.Account] })
	return "", nil
}

func (e *Emulator) syncDevices(p params, add bool) (any, error) {
	if err := required(p, "useraccount", "sn"); err != nil {
		return nil, err
	}
	idx, err := e.employees(p["useraccount"])
	if err != nil {
		return nil, err
	}
	sns, err := e.devicesIn(p["sn"])
	if err != nil {
		return nil, err
	}
	for _, i := range idx {
		devs := slices.Clone(e.emps[i].Devices)
		for _, sn := range sns {
			has := slices.Contains(devs, sn)
			if add && !has {
				devs = append(devs, sn)
			} else if !add && has {
				devs = slices.DeleteFunc(devs, func(s string) bool { return s == sn })
			}
		}
		e.emps[i].Devices = devs
	}
	return "", nil
}

func (e *Emulator) syncEmployee(_ time.Time, p params) (any, error)   { return e.syncDevices(p, true) }
func (e *Emulator) removeEmployee(_ time.Time, p params) (any, error) { return e.syncDevices(p, false) }

// reCheck adds a corrective punch (补签卡) at time for each employee, with atten_type
// AttenTypeRecheck and no device.
func (e *Emulator) reCheck(_ time.Time, p params) (any, error) {
	if err := required(p, "useraccount", "time"); err != nil {
		return nil, err
	}
	t, err := e.parseTime(p["time"])
	if err != nil {
		return nil, err
	}
	idx, err := e.employees(p["useraccount"])
	if err != nil {
		return nil, err
	}
	for _, i := range idx {
		e.punches = append(e.punches, Punch{ID: e.nextPunch, Account: e.emps[i].Account, Type: AttenTypeRecheck, Status: "0", Time: t.Unix()})
		e.nextPunch++
	}
	return "", nil
}

func (e *Emulator) typeName(id string) (string, bool) {
	i := slices.IndexFunc(e.applyTypes, func(t ApplyType) bool { return t.ID == id })
	if i < 0 {
		return "", false
	}
	return e.applyTypes[i].Name, true
}

// apply records an approved application and answers its id as a number.
func (e *Emulator) apply(_ time.Time, p params) (any, error) {
	if err := required(p, "useraccount", "starttime", "endtime", "type"); err != nil {
		return nil, err
	}
	acct := strings.TrimSpace(p["useraccount"])
	if e.employeeIndex(acct) < 0 {
		return nil, apiError(errNoEmployee)
	}
	from, err := e.parseTime(p["starttime"])
	if err != nil {
		return nil, err
	}
	to, err := e.parseTime(p["endtime"])
	if err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, apiError("结束时间必须大于开始时间")
	}
	typ := strings.TrimSpace(p["type"])
	if _, ok := e.typeName(typ); !ok {
		return nil, apiError("申请类型不存在")
	}
	a := Application{ID: e.nextApp, Account: acct, TypeID: typ, Start: from.Format(localLayout),
		End: to.Format(localLayout), Reason: p["reason"], Status: "已同意"}
	e.nextApp++
	e.apps = append(e.apps, a)
	return a.ID, nil
}

func (e *Emulator) applyType(time.Time, params) (any, error) {
	var o orderedObject
	for _, t := range e.applyTypes {
		o.set(t.ID, t.Name)
	}
	return o, nil
}

type applyRow struct {
	UserAccount string `json:"useraccount"`
	TypeID      string `json:"typeid"`
	TypeName    string `json:"type_name"`
	From        string `json:"from"`
	To          string `json:"to"`
	Status      string `json:"status"`
	RealName    string `json:"realname"`
}

// applyRecord lists the applications overlapping [start, end], optionally of one employee.
func (e *Emulator) applyRecord(_ time.Time, p params) (any, error) {
	start, end, err := e.dateRange(p)
	if err != nil {
		return nil, err
	}
	user := strings.TrimSpace(p["useraccount"])
	lo, hi := start, end.AddDate(0, 0, 1)
	var rows []applyRow
	for _, a := range e.apps {
		from, err1 := e.parseTime(a.Start)
		to, err2 := e.parseTime(a.End)
		if err1 != nil || err2 != nil || (user != "" && a.Account != user) || !from.Before(hi) || to.Before(lo) {
			continue
		}
		name, _ := e.typeName(a.TypeID)
		emp, _ := e.person(a.Account)
		rows = append(rows, applyRow{a.Account, a.TypeID, name, from.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04"), a.Status, emp.RealName})
	}
	head, l, h := pageOf(len(rows), p)
	out := struct {
		paged
		Data []applyRow `json:"data"`
	}{paged: head, Data: append([]applyRow{}, rows[l:h]...)}
	return out, nil
}

type deviceRow struct {
	SN         string `json:"sn"`
	Remark     string `json:"remark"`
	UpdateTime string `json:"updatetime"`
	Expired    string `json:"expired"`
}

func (e *Emulator) getDevice(_ time.Time, p params) (any, error) {
	sn := strings.TrimSpace(p["sn"])
	out := []deviceRow{}
	for _, d := range e.devices {
		if sn == "" || d.SN == sn {
			out = append(out, deviceRow{d.SN, d.Remark, fmt.Sprint(d.UpdateTime), fmt.Sprint(d.Expired)})
		}
	}
	return out, nil
}
