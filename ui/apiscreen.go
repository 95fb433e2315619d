package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/vpclink/vpclink/steps"
)

const (
	apiCreate = "Create a new REST API"
	apiReuse  = "Add to an existing API"
)

var methodChoices = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "ANY"}

// apiScreen creates a REST API or picks one, and sets the methods and their authorization.
type apiScreen struct {
	c *Common
	// mode is apiCreate or apiReuse; the other fields are bound to the plan.
	mode      string
	form      *form
	list      *picker
	req       int
	focusList bool
}

func newAPIScreen(c *Common) *apiScreen {
	p := &c.Draft.plan
	s := &apiScreen{c: c, mode: apiCreate}
	name := func() error { return planCheck(p, "api.name") }
	methods := func() error { return planCheck(p, "api.methods") }
	s.form = &form{common: c, keys: defaultFormKeys(), build: func() []formField {
		fields := []formField{{label: "REST API", field: choice(&s.mode, options(apiCreate, apiReuse)...), hint: "←/→ to choose"}}
		if s.mode == apiCreate {
			fields = append(fields,
				formField{label: "API name", field: textInput(&p.API.Name, ignore(name)), check: name,
					hint: "empty: the setup's name (set on the review screen)"},
				formField{label: "Endpoint type", field: choice(&p.API.EndpointType, options("REGIONAL", "EDGE")...),
					hint: "REGIONAL serves from this region; EDGE through CloudFront"})
		}
		return append(fields,
			formField{label: "Methods", field: huh.NewMultiSelect[string]().Options(options(methodChoices...)...).
				Value(&p.API.Methods).Validate(func([]string) error { return methods() }), check: methods,
				hint: "←/→ move, space toggles; ANY means every method"},
			formField{label: "Authorization", field: choice(&p.API.Authorization, options(steps.Authorizations...)...),
				hint: "NONE: open; AWS_IAM: SigV4-signed calls; API_KEY: x-api-key header and a usage plan"})
	}}
	// tab moves between the fields and the list of APIs.
	s.form.keys.Field.SetKeys("down")
	s.form.keys.Prev.SetKeys("up")
	s.list = newPicker(c, "REST APIs", false, table.Column{Title: "Name", Width: 24}, table.Column{Title: "Id", Width: 12}, table.Column{Title: "Endpoint", Width: 10})
	return s
}

// Escape clears the list's filter before esc means back.
func (a *apiScreen) Escape() bool {
	if a.mode == apiReuse && a.list.clearFilter() {
		a.save()
		return true
	}
	return false
}

func (a *apiScreen) Title() string { return "API" }
func (a *apiScreen) Why() string {
	return "The REST API is what callers reach. vpclink adds a greedy /{proxy+} resource, which matches every " +
		"path below the root, and puts the same methods on / itself, which {proxy+} does not match. They pass " +
		"each request through unchanged (HTTP_PROXY) over the VPC link to http://${stageVariables.VPCNLB}/{proxy}, " +
		"so your service sees the original path. API Gateway checks authorization before a request reaches " +
		"your VPC."
}
func (a *apiScreen) Init() tea.Cmd { return nil }

func (a *apiScreen) Enter() tea.Cmd {
	focus := a.form.rebuild()
	if a.c.Data.gateway {
		a.fill()
		return focus
	}
	a.req = a.c.NextReq()
	return tea.Batch(focus, a.list.load(a.req), loadGatewayCmd(a.c.ScreenCtx, a.c.Account, a.req))
}

// Typing reports whether a text field has focus.
func (a *apiScreen) Typing() bool { return !(a.focusList && a.mode == apiReuse) && a.form.Typing() }

func (a *apiScreen) fill() {
	var rows []pickerRow
	for _, x := range a.c.Data.apis {
		rows = append(rows, pickerRow{ID: x.ID, Cells: []string{x.Name, x.ID, x.Endpoint}})
	}
	a.list.req = a.c.NextReq()
	a.list.setRows(a.list.req, rows, nil)
	a.save()
}

// save records the API chosen to add the proxy to; the other fields are bound.
func (a *apiScreen) save() {
	d := a.c.Draft
	p := &d.plan
	d.api, p.API.Existing = nil, ""
	if a.mode != apiReuse {
		return
	}
	if r, ok := a.list.current(); ok {
		for _, x := range a.c.Data.apis {
			if x.ID == r.ID {
				x := x
				d.api, p.API.Existing = &x, x.ID
			}
		}
	}
}

func (a *apiScreen) SetSize(w, h int) {
	a.form.setWidth(w)
	a.list.setSize(w, h-12)
}

func (a *apiScreen) Problems() []string {
	if a.mode == apiReuse && a.c.Draft.api == nil {
		return []string{"choose the API to add the proxy to (tab moves to the list)"}
	}
	return planProblems(a.c.Draft.plan, "api.")
}
func (a *apiScreen) Warnings() []string { return nil }

func (a *apiScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case gatewayMsg:
		if msg.req == a.req {
			if msg.err != nil {
				a.list.setRows(a.list.req, nil, msg.err)
				return a, nil
			}
			a.fill()
		}
		return a, nil
	case tea.KeyMsg:
		if msg.String() == "tab" && a.mode == apiReuse {
			a.focusList = !a.focusList
			return a, nil
		}
		if a.focusList && a.mode == apiReuse {
			cmd, changed := a.list.update(msg)
			if changed {
				a.save()
			}
			return a, cmd
		}
	}
	mode := a.mode
	cmd := a.form.update(msg)
	if a.mode != mode {
		// The name and endpoint type apply only to a new API.
		a.focusList = false
		cmd = tea.Batch(cmd, a.form.rebuild())
	}
	a.save()
	if _, ok := msg.(tea.KeyMsg); !ok {
		c2, _ := a.list.update(msg)
		cmd = tea.Batch(cmd, c2)
	}
	return a, cmd
}

func (a *apiScreen) View() string {
	v := a.form.view()
	if a.mode == apiReuse {
		hint := "tab: choose in the list"
		if a.focusList {
			hint = "tab: back to the fields"
		}
		v += "\n\n" + a.c.Styles.Subtle.Render(hint) + "\n" + a.list.view()
	}
	return strings.TrimRight(v, "\n")
}

func (a *apiScreen) ShortHelp() []key.Binding {
	return bindings([]key.Binding{a.form.keys.Field, a.form.keys.Choose, a.form.keys.Toggle})
}
func (a *apiScreen) FullHelp() [][]key.Binding { return [][]key.Binding{a.ShortHelp()} }
