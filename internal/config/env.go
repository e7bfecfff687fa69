package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// envName is the IDP_* variable that overrides the key path key.
func envName(key string) string {
	return "IDP_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// applyEnv sets every overridable field whose IDP_* variable is non-empty.
// A value that does not parse is a problem at the field's key path; the
// message names the variable but never repeats its value.
func applyEnv(c *Config, env func(string) string) []Problem {
	if env == nil {
		return nil
	}
	var ps []Problem
	walkEnv(reflect.ValueOf(c).Elem(), "", func(key string, v reflect.Value) {
		name := envName(key)
		s := env(name)
		if s == "" {
			return
		}
		if err := setFromString(v, s); err != nil {
			ps = append(ps, Problem{key, fmt.Sprintf("%s: %v", name, err)})
		}
	})
	return ps
}

// walkEnv calls fn for each overridable field under v (a struct), with its
// key path. It descends into nested structs and skips lists of structs
// (clients) and fields without a yaml name.
func walkEnv(v reflect.Value, prefix string, fn func(key string, v reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if !sf.IsExported() || name == "" || name == "-" {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		fv := v.Field(i)
		switch {
		case sf.Type.Kind() == reflect.Struct && sf.Type != reflect.TypeFor[time.Duration]():
			walkEnv(fv, key, fn)
		case overridable(sf.Type):
			fn(key, fv)
		}
	}
}

func overridable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	case reflect.Slice:
		return t.Elem().Kind() == reflect.String
	default:
		return false
	}
}

// setFromString parses s into v, whose type overridable accepts.
func setFromString(v reflect.Value, s string) error {
	if v.Type() == reflect.TypeFor[time.Duration]() {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("not a duration such as 90s or 15m")
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean (true or false)")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("not a %d-bit integer", v.Type().Bits())
		}
		v.SetInt(n)
	case reflect.Slice:
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		v.Set(reflect.ValueOf(items).Convert(v.Type()))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
