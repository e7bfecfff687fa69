package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// proc is one process's CPU so far.
type proc struct {
	Name string // its command name (/proc/PID/comm), or "server" for -pid
	CPU  time.Duration
}

// procsFunc samples the processes a run measures, by PID.
type procsFunc func() (map[int]proc, error)

// sampleProcs returns a procsFunc for the processes named names (every
// process whose command name is one of them: all postgres backends, say;
// an entry "name=PID" is that one process, under that name) and the
// process pid, named "server" (0: none). Linux only.
func sampleProcs(names []string, pid int) procsFunc {
	fixed := map[int]string{}
	if pid != 0 {
		fixed[pid] = "server"
	}
	names = slices.DeleteFunc(slices.Clone(names), func(n string) bool {
		name, p, ok := strings.Cut(n, "=")
		if id, err := strconv.Atoi(p); ok && err == nil {
			fixed[id] = name
		}
		return ok
	})
	return func() (map[int]proc, error) {
		out := map[int]proc{}
		for p, name := range fixed {
			_, cpu, err := readStat(p)
			if err != nil {
				return nil, fmt.Errorf("%s CPU: %w", name, err)
			}
			out[p] = proc{name, cpu}
		}
		if len(names) == 0 {
			return out, nil
		}
		dirs, err := filepath.Glob("/proc/[0-9]*")
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			p, _ := strconv.Atoi(filepath.Base(d))
			if _, ok := fixed[p]; ok {
				continue
			}
			name, cpu, err := readStat(p)
			if err != nil || !slices.Contains(names, name) {
				continue // gone meanwhile, or not measured
			}
			out[p] = proc{name, cpu}
		}
		return out, nil
	}
}

// cpuUsed is the CPU each named group of processes used between two
// samples, and how many processes of it there were. A process that started
// in between counts whole; one that ended in between is lost (a
// PostgreSQL backend whose connection closed: keep the pool warm).
func cpuUsed(before, after map[int]proc) map[string]groupCPU {
	out := map[string]groupCPU{}
	for pid, a := range after {
		g := out[a.Name]
		g.CPU += a.CPU - before[pid].CPU
		g.Procs++
		out[a.Name] = g
	}
	return out
}

// groupCPU is the CPU of the processes of one name.
type groupCPU struct {
	CPU   time.Duration
	Procs int
}

// readStat reads a process's command name and user + system CPU time from
// /proc/PID/stat (the kernel counts in USER_HZ ticks, 100 a second).
func readStat(pid int) (string, time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, err
	}
	// "pid (comm) state …": comm is in parentheses and may hold spaces.
	s := string(b)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return "", 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[j+1:])
	if len(f) < 13 {
		return "", 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return s[i+1 : j], time.Duration(utime+stime) * (time.Second / 100), nil
}

// resetPeak starts the process's peak resident set size afresh (writing 5
// to /proc/PID/clear_refs), so that a phase's peak is its own and not the
// server's start-up or the user import before it. It needs the right to
// write there (the same user, or root); errors are the caller's to ignore.
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// peakRSS is the process's peak resident set size since it started or
// since resetPeak (VmHWM in /proc/PID/status), in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseHWM(string(b))
}

// parseHWM reads the VmHWM line ("VmHWM:    143360 kB") of a status file.
func parseHWM(status string) (int64, error) {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			break
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no VmHWM in /proc/PID/status")
}

// peaks is the largest peak RSS among the processes of each name.
func peaks(procs map[int]proc) map[string]int64 {
	out := map[string]int64{}
	for pid, p := range procs {
		if rss, err := peakRSS(pid); err == nil && rss > out[p.Name] {
			out[p.Name] = rss
		}
	}
	return out
}
