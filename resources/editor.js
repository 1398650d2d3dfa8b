/*
 * Editor code shared by the edit dialogs of node-red-contrib-sage-x3-shipping. Node-RED serves
 * this folder at resources/node-red-contrib-sage-x3-shipping/ and loads a <script src> of a node's
 * .html before the node's own script runs, so each .html that uses these helpers loads this file
 * (node sets can be disabled one by one). Loading it twice is harmless; it only adds functions to
 * window.SageX3Shipping, where the build-generated fedex-options.js adds the FedEx option lists.
 */
(function () {
  var ns = (window.SageX3Shipping = window.SageX3Shipping || {});

  /** A `validate` for settings holding a JSON object (empty means "none"). */
  ns.jsonObject = function (v) {
    if (!v || !String(v).trim()) return true;
    try {
      var o = JSON.parse(v);
      return !!o && typeof o === 'object' && !Array.isArray(o);
    } catch {
      return false;
    }
  };

  /** A URL setting as the runtimes accept it: http(s), or an environment variable ${NAME}. */
  var URL_PATTERN = /^(https?:\/\/.+|\$\{.+\})$/;
  ns.isUrl = function (v) {
    return URL_PATTERN.test(v || '');
  };
  /** A `validate` for a URL setting; optional: empty is allowed too. */
  ns.urlValidator = function (optional) {
    return RED.validators.regex(optional ? /^(|https?:\/\/.+|\$\{.+\})$/ : URL_PATTERN);
  };
  /** A `validate` for the path a webhook node serves under httpNodeRoot (shared/webhook-route.ts). */
  ns.webhookPathValidator = function () {
    return RED.validators.regex(/^\/?[A-Za-z0-9._~\-/]+$/);
  };

  /** What a dialog input holds: a checkbox's state, any other input's value. */
  function inputValue(el) {
    return el.is(':checkbox') ? el.prop('checked') : el.val();
  }

  /**
   * The dialog's inputs by setting name ({ name: value }), read from #<prefix><name>; prefix is
   * 'node-input-' in a node's dialog, 'node-config-input-' in a config node's.
   */
  ns.formValues = function (prefix, names) {
    var values = {};
    names.forEach(function (name) {
      values[name] = inputValue($('#' + prefix + name));
    });
    return values;
  };

  /** Whether an input's value meets a condition of showWhen. */
  function holds(value, want) {
    if (want === true || want === false) return !!value === want;
    if (Array.isArray(want)) return want.indexOf(value) >= 0;
    if (want && typeof want === 'object') return !holds(value, want.not);
    return value === want;
  }

  /**
   * Rows of a dialog shown only while their rule holds, the rules applied again as soon as an
   * input they read changes (as the user types, too). rows: { selector: rule }, a rule
   * { setting: condition, ... } holding when every condition does, read from #<prefix><setting>
   * (as formValues): a value (equal to it), [values] (one of them), { not: value or [values] },
   * true (checked, or not empty), false. Returns the function that applies the rules.
   */
  ns.showWhen = function (prefix, rows) {
    var names = [];
    Object.keys(rows).forEach(function (selector) {
      Object.keys(rows[selector]).forEach(function (name) {
        if (names.indexOf(name) < 0) names.push(name);
      });
    });
    function apply() {
      var values = ns.formValues(prefix, names);
      Object.keys(rows).forEach(function (selector) {
        var rule = rows[selector];
        var shown = Object.keys(rule).every(function (name) {
          return holds(values[name], rule[name]);
        });
        $(selector).toggle(shown);
      });
    }
    var inputs = names.map(function (name) {
      return '#' + prefix + name;
    });
    $(inputs.join(', ')).on('change input', apply);
    apply();
    return apply;
  };

  /** A link that folds and unfolds a part of the dialog (advanced settings, a section). */
  ns.foldable = function (link, part) {
    $(link).on('click', function (e) {
      e.preventDefault();
      $(part).toggle();
    });
  };

  function showResult(out, ok, text) {
    out.text((ok ? '✔ ' : '✘ ') + text).css('color', ok ? '#3a8a3a' : '#c02020');
  }

  /**
   * The "Test connection" row of a config dialog: fills the dialog's (empty) element
   * #node-config-<area>-test-row with the button (#node-config-<area>-test), the place for its
   * answer (#node-config-<area>-test-result) and, with opts.report, for X3's schema report
   * (#node-config-<area>-schema-report). The button POSTs the settings and credentials the dialog
   * holds to the config's admin route (/sage-x3-shipping/<area>/test, shared/admin.ts) and shows
   * the answer. A secret left as Node-RED shows a stored one ('__PWRD__') is sent so, and the
   * route uses the stored one: no secret is shown in the dialog.
   * opts: { area, settings: [names], credentials: [names], nested: true to send the settings as
   * body.settings (else beside id and credentials), report: true for X3's schema report }.
   */
  ns.testConnection = function (node, opts) {
    var prefix = 'node-config-input-';
    var id = 'node-config-' + opts.area;
    var row = $('#' + id + '-test-row').empty();
    $('<label>&nbsp;</label>').appendTo(row);
    var button = $('<button type="button" class="red-ui-button"></button>')
      .attr('id', id + '-test')
      .append('<i class="fa fa-plug"></i> ')
      .append($('<span></span>').text(node._(node.type + '.test.button')))
      .appendTo(row);
    var out = $('<div></div>')
      .attr('id', id + '-test-result')
      .css({ margin: '6px 0 0 104px', 'white-space': 'pre-wrap' })
      .appendTo(row);
    var report = opts.report
      ? $('<div></div>')
          .attr('id', id + '-schema-report')
          .css('margin', '6px 0 0 104px')
          .appendTo(row)
      : null;
    button.on('click', function () {
      out.css('color', '').text(node._(node.type + '.test.running'));
      var settings = ns.formValues(prefix, opts.settings);
      var body = opts.nested ? { settings: settings } : settings;
      body.id = node.id;
      body.credentials = ns.formValues(prefix, opts.credentials);
      $.ajax({
        url: 'sage-x3-shipping/' + opts.area + '/test',
        type: 'POST',
        contentType: 'application/json',
        data: JSON.stringify(body),
        success: function (res) {
          var text = res.ok ? res.message : res.message || (res.error && res.error.message) || 'failed';
          showResult(out, res.ok, text);
          if (report) ns.schemaReport(report, res.report);
        },
        error: function (xhr) {
          showResult(out, false, (xhr.responseJSON && xhr.responseJSON.message) || xhr.responseText || xhr.statusText);
        },
      });
    });
  };

  /**
   * X3 schema discovery's report (nodes/x3/field-resolution.ts EntityReport[]), shown under
   * "Test connection": per entity, each X3 field -> the property found, how it matched, what is
   * missing, X3's suggestions for a misspelt override. Text only (no HTML from the server).
   */
  ns.schemaReport = function (target, report) {
    target.empty();
    if (!Array.isArray(report)) return;
    var HOW = {
      catalogue: '',
      alternative: ' (alternative name)',
      dictionary: ' (by X3 field name)',
      override: ' (your override)',
      custom: ' (custom field)',
      missing: '',
    };
    report.forEach(function (r) {
      var box = $('<details>').appendTo(target);
      var problems = (r.errors || []).length;
      var missing = 0;
      var g = r.graphql;
      var lines = [];
      if (g) {
        lines.push(
          'GraphQL ' + g.package + '.' + g.node + (g.type ? ' (' + g.type + ')' : '') + (g.found ? '' : ': not found'),
        );
        (g.fields || []).concat(g.lines || []).forEach(function (f) {
          if (f.match === 'missing') missing++;
          var found =
            f.match === 'missing'
              ? 'MISSING' + (f.required ? ' (required)' : ' (left out)')
              : f.parts
                ? f.parts.join(' + ')
                : f.property;
          var line = '  ' + f.x3 + ' -> ' + found + HOW[f.match];
          if (f.match !== 'missing' && f.match !== 'custom' && f.wanted && f.wanted !== f.property && !f.parts)
            line += ', catalogue ' + f.wanted;
          if (f.suggestions && f.suggestions.length)
            line += ': X3 does not have it. Did you mean ' + f.suggestions.join(', ') + '?';
          lines.push(line);
        });
      }
      // what SOAP's publication and REST's representation hold, said the same way
      [
        { api: 'soap', name: 'SOAP', of: 'publication' },
        { api: 'rest', name: 'REST', of: 'representation' },
      ].forEach(function (a) {
        var found = r[a.api];
        if (!found) return;
        lines.push(
          a.name + ' ' + found[a.of] + (found.custom.length ? ', custom fields ' + found.custom.join(', ') : ''),
        );
        if (found.missing.length) lines.push('  not in the ' + a.of + ': ' + found.missing.join(', '));
      });
      (r.notDiscovered || []).forEach(function (n) {
        lines.push('not read: ' + n);
      });
      (r.errors || []).forEach(function (e) {
        lines.push('ERROR: ' + e);
      });
      $('<summary>')
        .text(
          r.entity +
            (problems ? ': ' + problems + ' error(s)' : '') +
            (missing ? ', ' + missing + ' field(s) missing' : ''),
        )
        .css('color', problems ? '#c02020' : '')
        .appendTo(box);
      $('<pre>').text(lines.join('\n')).css({ 'font-size': '11px', 'white-space': 'pre-wrap' }).appendTo(box);
    });
  };

  /**
   * Shows the full URL a webhook node serves (its path under httpNodeRoot) as the dialog is edited.
   * opts: { path (input selector), target (element selector), disabled (text when httpNodeRoot is
   * false), suffix: optional function returning what follows the path (e.g. '?token=...') }.
   * Returns the function that refreshes it, for other inputs the URL depends on.
   */
  ns.webhookUrlPreview = function (opts) {
    function show() {
      var root = RED.settings.httpNodeRoot;
      var target = $(opts.target);
      if (root === false) {
        target.text(opts.disabled);
        return;
      }
      root = (root || '/').replace(/\/$/, '');
      var path = ($(opts.path).val() || '').trim().replace(/\/+$/, '');
      if (path && path.charAt(0) !== '/') path = '/' + path;
      target.text(location.protocol + '//' + location.host + root + path + (opts.suffix ? opts.suffix() : ''));
    }
    $(opts.path).on('input change', show);
    show();
    return show;
  };

  /**
   * The X3 fields a ShipStation record is mapped with (records.ts / mapping.ts read the same
   * settings), each with its default for a new node.
   */
  var X3_MAPPING_FIELDS = [
    { prop: 'x3SalesSite', label: 'SALFCY', placeholderKey: 'salesSite', value: '' },
    { prop: 'x3ShippingSite', label: 'STOFCY', placeholderKey: 'shippingSite', value: '' },
    { prop: 'x3OrderType', label: 'SOHTYP', placeholder: 'SON', value: '' },
    { prop: 'x3Currency', label: 'CUR', placeholder: 'USD', value: '' },
    { prop: 'x3CustomerPrefix', labelKey: 'customerPrefix', placeholder: 'SS', value: 'SS' },
    { prop: 'x3TrackingField', labelKey: 'trackingField', placeholder: 'YTRACKNUM', value: 'YTRACKNUM' },
    { prop: 'x3StatusField', labelKey: 'statusField', placeholder: 'YTRKSTA', value: 'YTRKSTA' },
  ];

  /**
   * The `defaults` of the X3 mapping settings (mapToX3 and the panel's fields) that
   * shipstation-fetch and shipstation-in add to their own.
   */
  ns.x3MappingDefaults = function (defaults) {
    defaults.mapToX3 = { value: true };
    X3_MAPPING_FIELDS.forEach(function (f) {
      defaults[f.prop] = { value: f.value };
    });
    return defaults;
  };

  /**
   * The X3 mapping panel of shipstation-fetch and shipstation-in: fills the (empty) panel element
   * with one input per mapping setting, holding the node's values (Node-RED saves every
   * node-input-<setting> it finds), texts from the node's own catalogue, and wires its toggle link.
   * opts: { panel, toggle (selectors) }.
   */
  ns.x3MappingPanel = function (node, opts) {
    var panel = $(opts.panel).empty();
    X3_MAPPING_FIELDS.forEach(function (f) {
      var id = 'node-input-' + f.prop;
      var row = $('<div class="form-row"></div>').appendTo(panel);
      var label = $('<label></label>').attr('for', id).appendTo(row);
      if (f.labelKey)
        $('<span></span>')
          .text(node._(node.type + '.label.' + f.labelKey))
          .appendTo(label);
      else label.text(f.label);
      var placeholder = f.placeholderKey ? node._(node.type + '.placeholder.' + f.placeholderKey) : f.placeholder;
      var value = node[f.prop];
      $('<input type="text">')
        .attr('id', id)
        .attr('placeholder', placeholder)
        .val(value == null ? '' : value)
        .appendTo(row);
    });
    ns.foldable(opts.toggle, panel);
  };

  /**
   * Fills an (empty) <select> with option values and selects the node's value. Node-RED set the
   * value before the options existed, so it is set again here.
   */
  ns.fillSelect = function (select, values, labelOf, current) {
    var el = $(select).empty();
    values.forEach(function (v) {
      $('<option></option>').val(v).text(labelOf(v)).appendTo(el);
    });
    if (current != null) el.val(current);
  };
})();
