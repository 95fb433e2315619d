package ui

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// done shows the finished setup: the invoke URL, a curl line, every id, and how to delete it.
type done struct {
	c     *Common
	j     *steps.Journal
	quit  key.Binding
	check key.Binding
	width int

	// The check the c key runs: its request id, whether it runs, and what it found.
	checkReq int
	checking bool
	report   *steps.CheckReport
	checkErr error
}

func newDone(c *Common, j *steps.Journal) *done {
	return &done{c: c, j: j, quit: key.NewBinding(key.WithKeys("q", "enter"), key.WithHelp("q", "quit")),
		check: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check a request"))}
}

// checkedMsg is what a check started on the Done screen found.
type checkedMsg struct {
	reqID  int
	report *steps.CheckReport
	err    error
}

// checkCmd sends a request through the run's chain and walks its hops, off the UI loop.
func checkCmd(ctx context.Context, acct *awsops.Account, j *steps.Journal, reqID int) tea.Cmd {
	return func() tea.Msg {
		r, err := steps.CheckRun(ctx, acct, j, "/")
		return checkedMsg{reqID: reqID, report: r, err: err}
	}
}

func (d *done) Title() string { return "Done" }
func (d *done) Why() string {
	return "API Gateway now answers at the invoke URL and forwards every path under it, through the VPC link " +
		"and the load balancer, to your instances. Redeploying or changing the stage variables re-points the " +
		"API; vpclink destroy removes everything this run created, in dependency order."
}
func (d *done) Init() tea.Cmd  { return nil }
func (d *done) Enter() tea.Cmd { return nil }

func (d *done) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, d.quit):
			return d, tea.Quit
		case key.Matches(msg, d.check) && !d.checking && d.c.Account != nil:
			d.checking, d.report, d.checkErr = true, nil, nil
			d.checkReq = d.c.NextReq()
			d.check.SetEnabled(false)
			return d, checkCmd(d.c.Ctx, d.c.Account, d.j, d.checkReq)
		}
	case checkedMsg:
		if msg.reqID != d.checkReq {
			return d, nil // an earlier check's answer
		}
		d.checking, d.report, d.checkErr = false, msg.report, msg.err
		if d.report != nil {
			fixesWithFlags(d.report, d.c.Flags)
		}
		d.check.SetEnabled(true)
	}
	return d, nil
}

func (d *done) SetSize(w, _ int)   { d.width = w }
func (d *done) Problems() []string { return nil }
func (d *done) Warnings() []string { return nil }

func (d *done) View() string {
	s := d.c.Styles
	sum := SummaryOf(d.j)
	var b strings.Builder
	b.WriteString(s.Success.Render("✔ The API is connected to your private service.") + "\n\n")
	// A value too long for the line goes on its own line, whole, so it can be copied.
	row := func(label, value string) {
		switch {
		case value == "":
		case 16+ansi.StringWidth(value) <= d.width || d.width == 0:
			fmt.Fprintf(&b, "%-15s %s\n", label, value)
		default:
			// Wrapped at spaces, and a word wider than the screen broken across lines:
			// nothing is cut off.
			fmt.Fprintf(&b, "%s\n%s\n", label, wrapText("  "+value, cmp.Or(d.width, 80), "  "))
		}
	}
	row("Invoke URL", sum.InvokeURL)
	if d.checking || d.report != nil || d.checkErr != nil {
		// The check's hops take the room of the details, to fit one screen.
		b.WriteString(d.checkView())
		return strings.TrimRight(b.String(), "\n")
	}
	if try := TryIt(d.j); len(try) == 1 {
		row("Try it", try[0])
	} else if len(try) > 1 {
		b.WriteString("Try it\n")
		for _, line := range try {
			b.WriteString(wrapText("  "+line, cmp.Or(d.width, 80), "    ") + "\n")
		}
	}
	row("REST API", sum.RestAPIID+", stage "+sum.Stage+", VPC link "+sum.VPCLinkID)
	row("Load balancer", awsops.ResourceName(sum.LoadBalancerARN))
	row("NLB DNS name", sum.LoadBalancerDNS)
	row("Target group", awsops.ResourceName(sum.TargetGroupARN))
	row("Plan file", d.j.PlanFile)
	row("Delete it all", "vpclink destroy "+strings.TrimSpace(d.c.Flags+" "+d.j.RunID))
	if d.j.Demo {
		b.WriteString("\n" + s.Subtle.Render(d.c.para("This is the demo account: the URL is not reachable from the internet.")))
	}
	return strings.TrimRight(b.String(), "\n")
}

// checkView shows the check the c key ran: one line per hop, cut to the width, then the
// verdict and the fix of the hop to fix first.
func (d *done) checkView() string {
	s := d.c.Styles
	width := d.width
	if width <= 0 {
		width = 80
	}
	cut := func(text string) string { return ansi.Truncate(text, width, "…") }
	var b strings.Builder
	switch {
	case d.checking:
		b.WriteString("\n" + s.Subtle.Render("Checking a request through the chain…"))
	case d.checkErr != nil:
		b.WriteString("\n" + s.Error.Render(cut("✘ The check stopped: "+d.checkErr.Error())))
	case d.report != nil:
		r := d.report
		b.WriteString("\n")
		for _, h := range r.Hops {
			mark := s.Success.Render("✔")
			if !h.OK {
				mark = s.Error.Render("✘")
			}
			b.WriteString(cut(fmt.Sprintf("%s %-16s%s", mark, h.Hop, h.Detail)) + "\n")
		}
		if r.OK {
			b.WriteString(s.Success.Render(cut(fmt.Sprintf("✔ GET / reached the service: %d %s", r.Request.Status, r.Request.Body))))
			break
		}
		h := r.Hop(r.Broken)
		if h == nil {
			break
		}
		answer := "no answer"
		if r.Request.Status != 0 {
			answer = fmt.Sprint(r.Request.Status)
		}
		b.WriteString(s.Error.Render(cut(fmt.Sprintf("✘ Broken at %s (GET / answered %s).", h.Hop, answer))) + "\n")
		if h.Fix == "" {
			break
		}
		fixes := strings.Split(h.Fix, "\n")
		// Wrapped at spaces only, so that a command's options stay whole for copying.
		b.WriteString(wrapText("Try: "+fixes[0], width, "  "))
		if len(fixes) > 1 {
			b.WriteString("\n" + s.Subtle.Render(cut(fmt.Sprintf("and %d more: vpclink check %s", len(fixes)-1, strings.TrimSpace(d.c.Flags+" "+d.j.RunID)))))
		}
	}
	return b.String()
}

// TryIt returns the shell lines of a request to the root of the invoke URL that the API
// answers: for API_KEY with the key's value read by the AWS CLI into $KEY (vpclink never
// prints nor stores it), for AWS_IAM signed by curl (7.75 or later) with the caller's
// credentials. Long commands continue on the next line with a backslash, to fit 80 columns.
func TryIt(j *steps.Journal) []string {
	url := j.InvokeURL()
	if url == "" {
		return nil
	}
	url += "/"
	switch j.Plan.API.Authorization {
	case steps.AuthAPIKey:
		if j.Resources.APIKeyID == "" {
			break
		}
		return []string{
			"KEY=$(aws apigateway get-api-key --api-key " + j.Resources.APIKeyID + " --include-value \\",
			"  --query value --output text --region " + j.Region + ")",
			`curl -H "x-api-key: $KEY" \`,
			"  " + url,
		}
	case steps.AuthIAM:
		return []string{
			"# signed with your AWS keys; with no session token, drop the -H line",
			`curl --aws-sigv4 "aws:amz:` + j.Region + `:execute-api" \`,
			`  --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \`,
			`  -H "x-amz-security-token: $AWS_SESSION_TOKEN" \`,
			"  " + url,
		}
	}
	return []string{"curl " + url}
}

func (d *done) ShortHelp() []key.Binding  { return bindings([]key.Binding{d.check, d.quit}) }
func (d *done) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
