package ui

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/huh"

	"github.com/vpclink/vpclink/steps"
)

// boundText binds a text field to a value of the plan that is not a string (a port, a
// rate, the tags): the text is kept as typed, and each change is parsed into the plan, so
// the plan's own rules judge it.
type boundText struct {
	raw string
	set func(string) error
}

// Get returns the text as typed.
func (n *boundText) Get() string { return n.raw }

// Set keeps the text and parses it into the plan.
func (n *boundText) Set(s string) {
	n.raw = s
	_ = n.set(strings.TrimSpace(s))
}

// check reports whether the text parses: the plan's rules judge the number.
func (n *boundText) check() error { return n.set(strings.TrimSpace(n.raw)) }

// checkThen is a field's check: its text parses (else the error names the field by
// label), then the plan's rules under the prefixes hold.
func (n *boundText) checkThen(label string, p *steps.Plan, prefixes ...string) func() error {
	return func() error {
		if err := n.check(); err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		return planCheck(p, prefixes...)
	}
}

var _ huh.Accessor[string] = (*boundText)(nil)

// int32Text binds text to an int32 of the plan; blank means 0 when optional.
func int32Text(p *int32, optional bool, what string) *boundText {
	raw := ""
	if *p != 0 || !optional {
		raw = strconv.Itoa(int(*p))
	}
	return &boundText{raw: raw, set: func(s string) error {
		if s == "" && optional {
			*p = 0
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			*p = 0
			return errors.New(what)
		}
		*p = int32(n)
		return nil
	}}
}

// rateText binds text to the stage's throttling rate; blank means no limit.
func rateText(p *float64) *boundText {
	raw := ""
	if *p != 0 {
		raw = strconv.FormatFloat(*p, 'f', -1, 64)
	}
	return &boundText{raw: raw, set: func(s string) error {
		if s == "" {
			*p = 0
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 {
			*p = 0
			return errors.New("a number, or empty for no limit")
		}
		*p = f
		return nil
	}}
}

// tagsText binds text (key=value, comma-separated) to the plan's tags.
func tagsText(p *map[string]string) *boundText {
	var parts []string
	for k, v := range *p {
		parts = append(parts, k+"="+v)
	}
	return &boundText{raw: strings.Join(parts, ", "), set: func(s string) error {
		tags, err := parseTags(s)
		*p = tags
		return err
	}}
}

// planCheck validates the plan's fields under the given prefixes, with the plan's own
// rules: the messages are the ones vpclink apply gives.
func planCheck(p *steps.Plan, prefixes ...string) error {
	if probs := planProblems(*p, prefixes...); len(probs) > 0 {
		return errors.New(probs[0])
	}
	return nil
}

// lineReader hands out its input one line per Read: each of huh's accessible prompts reads
// through a scanner of its own, which would otherwise swallow the answers after its own.
type lineReader struct {
	in interface {
		ReadString(byte) (string, error)
	}
	rest string
	eof  bool
}

// Read returns at most one line.
func (l *lineReader) Read(b []byte) (int, error) {
	if l.rest == "" {
		line, err := l.in.ReadString('\n')
		if line == "" && err != nil {
			l.eof = true
			return 0, io.EOF
		}
		l.rest = line
	}
	n := copy(b, l.rest)
	l.rest = l.rest[n:]
	return n, nil
}

// ignore adapts a check of the bound plan to huh's validator, which is given the text: the
// plan already holds it.
func ignore(check func() error) func(string) error {
	return func(string) error { return check() }
}
