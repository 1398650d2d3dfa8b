/*
 * The operator console of node-red-contrib-sage-x3-shipping: one sidebar tab ("X3 shipping")
 * added by the editor plugin (nodes/console/console-plugin.html). Everything it shows comes
 * from the admin routes /sage-x3-shipping/console/... (nodes/console/console-routes.ts) over
 * relative URLs, so a custom httpAdminRoot works; actions go to the same routes and to the audit
 * route that resolves a ledger entry. RED.comms pushes counts only; a push reloads the view.
 * Buttons that change something are shown only to a user with sage-x3-shipping.write; the
 * routes enforce it anyway.
 */
(function () {
  var ns = (window.SageX3Shipping = window.SageX3Shipping || {});
  if (ns.console) return;

  var TAB_ID = 'sage-x3-shipping';
  var BASE = 'sage-x3-shipping/console/';
  var LIVE_TOPIC = 'sage-x3-shipping/console/counts';
  var VIEWS = [
    ['attention', 'Needs attention'],
    ['activity', 'Activity'],
    ['timeline', 'Timeline'],
    ['health', 'Health'],
  ];
  /** the node types that record audit entries (the node and flow filters of Activity) */
  var RECORDING_NODE = /^(x3-|fedex-|shipstation-|audit-sink)/;
  var state = { configId: undefined, view: 'attention', page: 0, pageSize: 50, configs: [] };
  var ui = {};

  function canWrite() {
    return !RED.user || !RED.user.hasPermission || RED.user.hasPermission('sage-x3-shipping.write');
  }
  function canResolve() {
    return !RED.user || !RED.user.hasPermission || RED.user.hasPermission('audit-config.write');
  }

  function getJSON(path, query) {
    return $.ajax({ url: path, data: query, dataType: 'json', cache: false });
  }
  function postJSON(path, body) {
    return $.ajax({
      url: path,
      method: 'POST',
      contentType: 'application/json',
      data: JSON.stringify(body),
      dataType: 'json',
    });
  }
  function failText(xhr) {
    var body = xhr && xhr.responseJSON;
    if (body && body.error) return typeof body.error === 'string' ? body.error : body.error.message;
    return (xhr && xhr.status ? 'HTTP ' + xhr.status + ' ' : '') + ((xhr && xhr.statusText) || 'request failed');
  }
  /** RED.notify takes a string as HTML: anything from a server or a user goes in as text. */
  function say(message, type) {
    return RED.notify($('<span>').text(message), type);
  }
  function notifyFail(what) {
    return function (xhr) {
      say(what + ': ' + failText(xhr), 'error');
    };
  }

  function text(tag, cls, t) {
    return $('<' + tag + '>')
      .addClass(cls || '')
      .text(t === undefined || t === null ? '' : String(t));
  }
  function when(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }
  function keyOf(c) {
    if (!c) return '';
    var parts = [];
    if (c.x3Key) parts.push((c.x3Entity ? c.x3Entity + ' ' : '') + c.x3Key);
    if (c.shipstationOrderNumber) parts.push('order ' + c.shipstationOrderNumber);
    if (c.trackingNumbers && c.trackingNumbers.length) parts.push(c.trackingNumbers.join(', '));
    return parts.join(' · ');
  }

  function button(label, cls, onClick) {
    return $('<button type="button" class="red-ui-button red-ui-button-small">')
      .addClass(cls || '')
      .text(label)
      .on('click', function (evt) {
        evt.preventDefault();
        evt.stopPropagation();
        onClick();
      });
  }

  /** A replay that may buy a label or create an X3 document asks first. */
  function costsMoney(entry) {
    return (
      (entry.system === 'fedex' && /^ship\./.test(entry.operation)) ||
      (entry.system === 'x3' && /create|save|run/.test(entry.operation)) ||
      (entry.system === 'shipstation' && /markShipped|create/.test(entry.operation))
    );
  }

  function confirmThen(message, okLabel, onOk) {
    var n = RED.notify(message, {
      modal: true,
      fixed: true,
      type: 'warning',
      buttons: [
        {
          text: 'Cancel',
          click: function () {
            n.close();
          },
        },
        {
          text: okLabel,
          class: 'primary sx3s-confirm',
          click: function () {
            n.close();
            onOk();
          },
        },
      ],
    });
  }

  function replay(body, entries) {
    var money = entries.filter(costsMoney).length;
    var what = entries.length === 1 ? 'this entry' : entries.length + ' entries';
    var go = function () {
      postJSON(BASE + encodeURIComponent(state.configId) + '/replay', body).then(function (res) {
        var skipped = res.skipped || [];
        say(
          'Replayed ' +
            res.replayed.length +
            (skipped.length
              ? ', skipped ' +
                skipped.length +
                ' (' +
                skipped
                  .map(function (s) {
                    return s.reason;
                  })
                  .join(', ') +
                ')'
              : ''),
          skipped.length && !res.replayed.length ? 'warning' : 'success',
        );
        refresh();
      }, notifyFail('Replay'));
    };
    if (money || body.nodeIds) {
      confirmThen(
        'Replay ' +
          what +
          '?' +
          (money || body.nodeIds
            ? '<br><b>This can cost money:</b> a replayed step may create a FedEx shipment or an X3 document. ' +
              'A step that already succeeded returns its stored result instead of running again.'
            : ''),
        'Replay',
        go,
      );
    } else go();
  }

  function resolveDialog(ledger) {
    var form = $('<div class="sx3s-resolve">');
    text(
      'p',
      '',
      'Resolve ' + ledger.key + ' (' + ledger.system + ' ' + ledger.operation + ', ' + ledger.state + ')',
    ).appendTo(form);
    var choice = $('<select class="sx3s-resolve-state" style="width:100%">').appendTo(form);
    [
      ['failed', 'Not done: the next msg or replay does it again'],
      ['succeeded', 'Done: later msgs and replays get the result below'],
      ['voided', 'Never do it, never answer it again'],
    ].forEach(function (o) {
      $('<option>').val(o[0]).text(o[1]).appendTo(choice);
    });
    text('label', '', 'Reason (what was checked, by whom)').appendTo(form);
    var reason = $('<input type="text" class="sx3s-resolve-reason" style="width:100%">').appendTo(form);
    var resultLabel = text('label', '', 'Result (JSON), e.g. {"trackingNumber": "..."}').appendTo(form);
    var result = $('<textarea class="sx3s-resolve-result" rows="3" style="width:100%">').appendTo(form);
    var sync = function () {
      var show = choice.val() !== 'failed';
      resultLabel.toggle(show);
      result.toggle(show);
    };
    choice.on('change', sync);
    sync();
    var n = RED.notify(form, {
      modal: true,
      fixed: true,
      type: 'warning',
      buttons: [
        {
          text: 'Cancel',
          click: function () {
            n.close();
          },
        },
        {
          text: 'Resolve',
          class: 'primary sx3s-resolve-ok',
          click: function () {
            var body = { key: ledger.key, state: choice.val(), reason: reason.val() };
            var raw = String(result.val() || '').trim();
            if (body.state !== 'failed' && raw) {
              try {
                body.result = JSON.parse(raw);
              } catch (e) {
                say('The result is not valid JSON: ' + e.message, 'error');
                return;
              }
            }
            n.close();
            postJSON('sage-x3-shipping/audit/' + encodeURIComponent(state.configId) + '/ledger/resolve', body).then(
              function (res) {
                say('Resolved: ' + res.before.state + ' → ' + res.after.state, 'success');
                refresh();
              },
              notifyFail('Resolve'),
            );
          },
        },
      ],
    });
  }

  function revealButton(nodeId) {
    if (!nodeId || !RED.nodes.node(nodeId)) return $();
    var b = button('', 'sx3s-reveal', function () {
      RED.view.reveal(nodeId);
    }).append('<i class="fa fa-search"></i>');
    RED.popover.tooltip(b, 'Show the node in the workspace');
    return b;
  }

  function entryRow(entry, options) {
    var row = $('<div class="sx3s-entry">').attr('data-entry-id', entry.id).attr('data-status', entry.status);
    var head = $('<div class="sx3s-entry-head">').appendTo(row);
    if (options && options.select) {
      $('<input type="checkbox" class="sx3s-select">').attr('value', entry.id).appendTo(head);
    }
    text('span', 'sx3s-status sx3s-status-' + entry.status, entry.status).appendTo(head);
    text('span', 'sx3s-op', ' ' + entry.system + ' ' + entry.operation + ' ').appendTo(head);
    text('span', 'sx3s-key', keyOf(entry.correlation)).appendTo(head);
    var actions = $('<span class="sx3s-actions">').appendTo(head);
    revealButton(entry.nodeId).appendTo(actions);
    if (options && options.replay && canWrite() && entry.msg) {
      button('Replay', 'sx3s-replay', function () {
        replay({ ids: [entry.id] }, [entry]);
      }).appendTo(actions);
    }
    var detail = text(
      'div',
      'sx3s-entry-detail',
      when(entry.time) + (entry.error ? ' — ' + entry.error.code + ': ' + entry.error.message : ''),
    );
    detail.appendTo(row);
    row.on('click', function () {
      var pre = row.find('pre');
      if (pre.length) return void pre.remove();
      $('<pre class="sx3s-json">')
        .text(JSON.stringify({ id: entry.id, idempotencyKey: entry.idempotencyKey, msg: entry.msg }, null, 2))
        .appendTo(row);
    });
    return row;
  }

  function section(title, count, id) {
    var box = $('<div class="sx3s-section">').attr('id', id);
    text('h4', '', title + ' (' + count + ')').appendTo(box);
    return box;
  }

  function renderAttention(data) {
    var body = ui.body.empty();
    var c = data.counts;
    setBadge(c.total);
    var failed = section('Failed, can be replayed', c.failed, 'sx3s-failed').appendTo(body);
    if (data.failed.length && canWrite()) {
      var bar = $('<div class="sx3s-bar">').appendTo(failed);
      button('Replay selected', 'sx3s-replay-selected', function () {
        var ids = failed
          .find('.sx3s-select:checked')
          .map(function () {
            return this.value;
          })
          .get();
        if (!ids.length) return void say('Select entries first', 'warning');
        replay(
          { ids: ids },
          data.failed.filter(function (e) {
            return ids.indexOf(e.id) >= 0;
          }),
        );
      }).appendTo(bar);
      var flows = {};
      data.failed.forEach(function (e) {
        var n = e.nodeId && RED.nodes.node(e.nodeId);
        if (n && n.z) flows[n.z] = true;
      });
      Object.keys(flows).forEach(function (z) {
        var tab = RED.nodes.workspace(z);
        button('Replay all failed of ' + ((tab && tab.label) || z), 'sx3s-replay-flow', function () {
          var nodeIds = RED.nodes.filterNodes({ z: z }).map(function (n) {
            return n.id;
          });
          replay(
            { nodeIds: nodeIds },
            data.failed.filter(function (e) {
              return nodeIds.indexOf(e.nodeId) >= 0;
            }),
          );
        }).appendTo(bar);
      });
    }
    data.failed.forEach(function (e) {
      entryRow(e, { replay: true, select: canWrite() }).appendTo(failed);
    });

    var unknown = section('Unknown outcomes, waiting for a decision', c.unknown, 'sx3s-unknown').appendTo(body);
    if (!data.ledgerListing)
      text('div', 'sx3s-note', 'This audit backend cannot list ledger entries.').appendTo(unknown);
    data.unknown.forEach(function (u) {
      var row = $('<div class="sx3s-ledger">').attr('data-key', u.ledger.key).appendTo(unknown);
      var head = $('<div class="sx3s-entry-head">').appendTo(row);
      text('span', 'sx3s-status sx3s-status-unknown', 'unknown').appendTo(head);
      text('span', 'sx3s-op', ' ' + u.ledger.system + ' ' + u.ledger.operation + ' ').appendTo(head);
      text('span', 'sx3s-key', keyOf(u.ledger.correlation) || u.ledger.key).appendTo(head);
      if (canResolve()) {
        button('Resolve…', 'sx3s-resolve', function () {
          resolveDialog(u.ledger);
        }).appendTo($('<span class="sx3s-actions">').appendTo(head));
      }
      text(
        'div',
        'sx3s-entry-detail',
        (u.ledger.error ? u.ledger.error.message + ' — ' : '') + when(u.ledger.updatedAt),
      ).appendTo(row);
      u.evidence.forEach(function (e) {
        text(
          'div',
          'sx3s-evidence',
          when(e.time) + ' ' + e.operation + ' ' + e.status + (e.error ? ' ' + e.error.code : ''),
        ).appendTo(row);
      });
    });

    var stale = section('Stale claims', c.staleClaims, 'sx3s-stale').appendTo(body);
    data.staleClaims.forEach(function (s) {
      var row = $('<div class="sx3s-ledger">').attr('data-key', s.ledger.key).appendTo(stale);
      var head = $('<div class="sx3s-entry-head">').appendTo(row);
      text('span', 'sx3s-status sx3s-status-claimed', 'claimed').appendTo(head);
      text('span', 'sx3s-key', ' ' + (keyOf(s.ledger.correlation) || s.ledger.key)).appendTo(head);
      if (canResolve()) {
        button('Resolve…', 'sx3s-resolve', function () {
          resolveDialog(s.ledger);
        }).appendTo($('<span class="sx3s-actions">').appendTo(head));
      }
      text('div', 'sx3s-entry-detail', s.reason).appendTo(row);
    });

    var refused = section('Refused webhooks (security)', c.refused, 'sx3s-refused').appendTo(body);
    data.refused.forEach(function (e) {
      entryRow(e, {}).appendTo(refused);
    });
    renderAdopted($('<div id="sx3s-attention-extra">').appendTo(body));
  }

  /** The label admin routes of the selected audit-config (nodes/audit/label-routes.ts). */
  function labelsBase() {
    return 'sage-x3-shipping/labels/' + encodeURIComponent(state.configId) + '/';
  }

  /** Shipments adopted after a lost answer: FedEx gives no label bytes again, so the operator may cancel and ship again. */
  function renderAdopted(box) {
    getJSON(labelsBase() + 'adopted', { limit: 100 }).then(
      function (res) {
        var list = (res && res.shipments) || [];
        var sec = section('Adopted shipments without a label', list.length, 'sx3s-adopted').appendTo(box);
        list.forEach(function (s) {
          var row = $('<div class="sx3s-ledger">').attr('data-key', s.key).appendTo(sec);
          var head = $('<div class="sx3s-entry-head">').appendTo(row);
          text('span', 'sx3s-status sx3s-status-adopted', 'adopted').appendTo(head);
          var what = keyOf(s.correlation) || s.documentNumber || s.key;
          text('span', 'sx3s-key', ' ' + what).appendTo(head);
          if (canResolve()) {
            button('Cancel and ship again…', 'sx3s-reship', function () {
              confirmThen(
                'Cancel ' +
                  $('<span>')
                    .text((s.trackingNumbers || []).join(', ') || s.key)
                    .html() +
                  ' at FedEx and ship ' +
                  $('<span>').text(what).html() +
                  ' again?<br><b>This buys a new label.</b> The old shipment is cancelled and voided first; ' +
                  'if the cancel fails nothing is shipped.',
                'Cancel and ship again',
                function () {
                  postJSON(labelsBase() + 'adopted/reship', { key: s.key }).then(function () {
                    say('Cancelled and shipped again: ' + what, 'success');
                    refresh();
                  }, notifyFail('Cancel and ship again'));
                },
              );
            }).appendTo($('<span class="sx3s-actions">').appendTo(head));
          }
          text('div', 'sx3s-entry-detail', when(s.updatedAt)).appendTo(row);
        });
      },
      function (xhr) {
        text('div', 'sx3s-note', 'Adopted shipments: ' + failText(xhr)).appendTo(box);
      },
    );
  }

  /** Download and reprint of a stored label, for a succeeded shipment's tracking numbers. */
  function labelActions(ledger, trackingNumbers) {
    var box = $('<div class="sx3s-label-actions">');
    trackingNumbers.forEach(function (tn) {
      var q = $.param({ key: ledger.key, trackingNumber: tn });
      $('<a class="sx3s-label-download" target="_blank" rel="noopener">')
        .attr('href', labelsBase() + 'file?' + q)
        .text('Label ' + tn)
        .appendTo(box);
      if (canResolve()) {
        button('Reprint', 'sx3s-reprint', function () {
          confirmThen('Print the label of ' + $('<span>').text(tn).html() + ' once more?', 'Reprint', function () {
            postJSON(labelsBase() + 'reprint', { key: ledger.key, trackingNumber: tn }).then(function () {
              say('Sent to the printer: ' + tn, 'success');
            }, notifyFail('Reprint'));
          });
        }).appendTo(box);
      }
    });
    return box;
  }

  function renderActivity() {
    var body = ui.body.empty();
    var form = $('<div class="sx3s-filters">').appendTo(body);
    var search = $('<input type="text" class="sx3s-search" placeholder="X3 key, tracking or order number">')
      .val(state.search || '')
      .appendTo(form);
    var system = $('<select class="sx3s-filter-system">').appendTo(form);
    ['', 'x3', 'fedex', 'shipstation', 'audit', 'flow'].forEach(function (s) {
      $('<option>')
        .val(s)
        .text(s || 'any system')
        .appendTo(system);
    });
    var status = $('<select class="sx3s-filter-status">').appendTo(form);
    ['', 'received', 'succeeded', 'failed', 'unknown', 'skipped', 'replayed', 'voided'].forEach(function (s) {
      $('<option>')
        .val(s)
        .text(s || 'any status')
        .appendTo(status);
    });
    // the X3 entities present in this trail (one index seek each on the server)
    var entitySel = $('<select class="sx3s-filter-entity">').appendTo(form);
    $('<option>').val('').text('any entity').appendTo(entitySel);
    if (state.x3Entity) $('<option>').val(state.x3Entity).text(state.x3Entity).appendTo(entitySel);
    getJSON(BASE + encodeURIComponent(state.configId) + '/entities').then(function (res) {
      (res.entities || []).forEach(function (name) {
        if (name !== state.x3Entity) $('<option>').val(name).text(name).appendTo(entitySel);
      });
    }, notifyFail('Entities'));
    // a flow is a tab of the workspace: the runtime knows only node ids, so the query carries
    // the ids of the tab's nodes that record entries
    var flowSel = $('<select class="sx3s-filter-flow">').appendTo(form);
    $('<option>').val('').text('any flow').appendTo(flowSel);
    RED.nodes.eachWorkspace(function (ws) {
      $('<option>')
        .val(ws.id)
        .text(ws.label || ws.id)
        .appendTo(flowSel);
    });
    var nodeSel = $('<select class="sx3s-filter-node">').appendTo(form);
    $('<option>').val('').text('any node').appendTo(nodeSel);
    RED.nodes.eachNode(function (n) {
      if (!RECORDING_NODE.test(n.type)) return;
      var tab = RED.nodes.workspace(n.z);
      $('<option>')
        .val(n.id)
        .text((n.name || n.type) + (tab ? ' (' + tab.label + ')' : ''))
        .appendTo(nodeSel);
    });
    var from = $('<input type="datetime-local" class="sx3s-filter-from" title="from">').appendTo(form);
    var to = $('<input type="datetime-local" class="sx3s-filter-to" title="to">').appendTo(form);
    system.val(state.system || '');
    status.val(state.status || '');
    nodeSel.val(state.nodeId || '');
    entitySel.val(state.x3Entity || '');
    flowSel.val(state.flow || '');
    from.val(state.from || '');
    to.val(state.to || '');
    var list = $('<div class="sx3s-list">').appendTo(body);
    var pager = $('<div class="sx3s-pager">').appendTo(body);
    var load = function () {
      state.search = search.val();
      state.system = system.val();
      state.status = status.val();
      state.nodeId = nodeSel.val();
      state.x3Entity = entitySel.val();
      state.flow = flowSel.val();
      state.from = from.val();
      state.to = to.val();
      var q = { limit: state.pageSize, offset: state.page * state.pageSize };
      if (state.search) q.search = state.search.trim();
      if (state.system) q.system = state.system;
      if (state.status) q.status = state.status;
      if (state.from) q.from = new Date(state.from).toISOString();
      if (state.to) q.to = new Date(state.to).toISOString();
      if (state.nodeId) q.nodeId = state.nodeId;
      if (state.x3Entity) q.x3Entity = state.x3Entity;
      if (state.flow) {
        // an empty list (a tab without such nodes) is sent as is: it matches no entry
        q.nodeIds = RED.nodes
          .filterNodes({ z: state.flow })
          .filter(function (n) {
            return RECORDING_NODE.test(n.type);
          })
          .map(function (n) {
            return n.id;
          })
          .join(',');
      }
      // a filter changed while a page was on its way: only the latest request may draw the list
      var asked = (state.activityAsked = (state.activityAsked || 0) + 1);
      getJSON(BASE + encodeURIComponent(state.configId) + '/activity', q).then(function (page) {
        if (asked !== state.activityAsked) return;
        list.empty().attr('data-query', $.param(q));
        page.entries.forEach(function (e) {
          entryRow(e, { replay: e.status === 'failed' }).appendTo(list);
        });
        pager.empty();
        var last = Math.max(0, Math.ceil(page.total / state.pageSize) - 1);
        button('‹', 'sx3s-prev', function () {
          state.page = Math.max(0, state.page - 1);
          load();
        })
          .prop('disabled', state.page === 0)
          .appendTo(pager);
        text(
          'span',
          'sx3s-page',
          ' ' +
            page.total +
            ' entries' +
            (page.matchedBy ? ' by ' + page.matchedBy : '') +
            ', page ' +
            (state.page + 1) +
            ' of ' +
            (last + 1) +
            ' ',
        ).appendTo(pager);
        button('›', 'sx3s-next', function () {
          state.page = Math.min(last, state.page + 1);
          load();
        })
          .prop('disabled', state.page >= last)
          .appendTo(pager);
        if (page.matchedBy && state.search) {
          button('Timeline', 'sx3s-open-timeline', function () {
            state.timeline = { kind: page.matchedBy, value: state.search.trim() };
            show('timeline');
          }).appendTo(pager);
        }
      }, notifyFail('Activity'));
    };
    var reload = function () {
      state.page = 0;
      load();
    };
    search.on('keydown', function (evt) {
      if (evt.key === 'Enter') reload();
    });
    form.find('select, input[type=datetime-local]').on('change', reload);
    button('Search', 'sx3s-search-go', reload).appendTo(form);
    load();
  }

  function renderTimeline() {
    var body = ui.body.empty();
    var form = $('<div class="sx3s-filters">').appendTo(body);
    var kind = $('<select class="sx3s-timeline-kind">').appendTo(form);
    [
      ['x3Key', 'X3 document'],
      ['trackingNumber', 'Tracking number'],
      ['shipstationOrderNumber', 'ShipStation order'],
    ].forEach(function (o) {
      $('<option>').val(o[0]).text(o[1]).appendTo(kind);
    });
    var value = $('<input type="text" class="sx3s-timeline-value">').appendTo(form);
    var out = $('<div class="sx3s-list">').appendTo(body);
    var t = state.timeline || {};
    kind.val(t.kind || 'x3Key');
    value.val(t.value || '');
    var load = function () {
      state.timeline = { kind: kind.val(), value: String(value.val() || '').trim() };
      if (!state.timeline.value) return;
      getJSON(BASE + encodeURIComponent(state.configId) + '/timeline', state.timeline).then(function (tl) {
        out.empty();
        if (tl.trackingNumbers.length)
          text('div', 'sx3s-note', 'Tracking: ' + tl.trackingNumbers.join(', ')).appendTo(out);
        tl.ledger.forEach(function (l) {
          text(
            'div',
            'sx3s-ledger-state',
            'ledger ' + l.operation + ': ' + l.state + ' (' + l.attempts + ' attempts)',
          ).appendTo(out);
          var shipped = l.system === 'fedex' && l.operation === 'ship.create' && l.state === 'succeeded';
          var p = shipped && l.result && l.result.payload;
          // as fedex/ship-ledger.ts storedTrackingNumbers reads a stored shipment
          var numbers = !p
            ? []
            : Array.isArray(p.trackingNumbers)
              ? p.trackingNumbers
              : p.masterTrackingNumber
                ? [p.masterTrackingNumber]
                : [];
          if (numbers.length && !l.result.adopted) labelActions(l, numbers).appendTo(out);
        });
        tl.entries.forEach(function (e) {
          entryRow(e, { replay: e.status === 'failed' }).appendTo(out);
        });
        if (!tl.entries.length) text('div', 'sx3s-note', 'Nothing recorded for this key.').appendTo(out);
        if (tl.truncated) text('div', 'sx3s-note', 'Only the first entries are shown.').appendTo(out);
      }, notifyFail('Timeline'));
    };
    value.on('keydown', function (evt) {
      if (evt.key === 'Enter') load();
    });
    button('Show', 'sx3s-timeline-go', load).appendTo(form);
    load();
  }

  function factsTable(facts) {
    var table = $('<table class="sx3s-facts">');
    Object.keys(facts).forEach(function (k) {
      var v = facts[k];
      if (v === null || v === undefined || v === '') return;
      var tr = $('<tr>').appendTo(table);
      text('td', 'sx3s-fact', k).appendTo(tr);
      text('td', '', /^\d{4}-\d\d-\d\dT/.test(String(v)) ? when(v) : v).appendTo(tr);
    });
    return table;
  }

  function renderHealth() {
    getJSON(BASE + 'health').then(function (h) {
      var body = ui.body.empty();
      var add = function (title, items, render) {
        var box = section(title, items.length, '').appendTo(body);
        items.forEach(function (item) {
          var row = $('<div class="sx3s-health">').attr('data-node-id', item.id).appendTo(box);
          var head = $('<div class="sx3s-entry-head">').appendTo(row);
          text('b', '', item.name || item.type).appendTo(head);
          text('span', 'sx3s-op', ' ' + item.type + ' ').appendTo(head);
          revealButton(item.id).appendTo(head);
          render(item).appendTo(row);
        });
      };
      add('Config nodes', h.configs, function (c) {
        return factsTable(c.facts);
      });
      add('Pollers', h.pollers, function (p) {
        return factsTable(p.facts);
      });
      add('Webhook routes', h.webhooks, function (w) {
        return factsTable({ lastReceived: w.lastReceived || 'never', lastStatus: w.lastStatus });
      });
      add('Audit stores', h.audit, function (a) {
        return factsTable({ errorsLastHour: a.errorsLastHour, error: a.error });
      });
    }, notifyFail('Health'));
  }

  function setBadge(total) {
    ui.badge.text(total > 0 ? total : '').toggle(total > 0);
    // Node-RED 4: the tab's label and its pinned link; Node-RED 5: the tab's icon button
    var tabLabel = $(
      '#red-ui-tab-' +
        TAB_ID +
        ' .red-ui-tab-label, a.red-ui-tab-link-button[href="#' +
        TAB_ID +
        '"], button[data-tab-id="' +
        TAB_ID +
        '"]',
    );
    tabLabel.find('.sx3s-tab-badge').remove();
    if (total > 0) $('<span class="sx3s-tab-badge">').text(total).appendTo(tabLabel);
  }

  function refresh() {
    if (!state.configId) return void loadConfigs();
    if (state.view === 'attention') {
      getJSON(BASE + encodeURIComponent(state.configId) + '/attention').then(
        renderAttention,
        notifyFail('Needs attention'),
      );
    } else if (state.view === 'activity') renderActivity();
    else if (state.view === 'timeline') renderTimeline();
    else renderHealth();
  }

  function show(view) {
    state.view = view;
    ui.nav.find('button').removeClass('selected');
    ui.nav.find('[data-view=' + view + ']').addClass('selected');
    refresh();
  }

  function loadConfigs() {
    getJSON(BASE + 'overview').then(function (res) {
      state.configs = res.configs;
      ui.config.empty();
      res.configs.forEach(function (c) {
        $('<option>')
          .val(c.id)
          .text(c.name || c.id)
          .appendTo(ui.config);
      });
      if (!res.configs.length) {
        ui.body.empty().append(text('div', 'sx3s-note', 'Deploy an audit-config to see its trail here.'));
        return;
      }
      if (
        !state.configId ||
        !res.configs.some(function (c) {
          return c.id === state.configId;
        })
      )
        state.configId = res.configs[0].id;
      ui.config.val(state.configId);
      refresh();
    }, notifyFail('X3 shipping console'));
  }

  function build() {
    var content = $('<div class="sx3s-console" style="height:100%;overflow-y:auto;padding:6px">');
    var top = $('<div class="sx3s-top">').appendTo(content);
    ui.config = $('<select class="sx3s-config">').appendTo(top);
    ui.config.on('change', function () {
      state.configId = ui.config.val();
      refresh();
    });
    var reload = button('', 'sx3s-refresh', refresh).append('<i class="fa fa-refresh"></i>').appendTo(top);
    RED.popover.tooltip(reload, 'Reload');
    ui.nav = $('<div class="sx3s-nav red-ui-button-group">').appendTo(content);
    VIEWS.forEach(function (v) {
      var b = button(v[1], '', function () {
        show(v[0]);
      })
        .attr('data-view', v[0])
        .appendTo(ui.nav);
      if (v[0] === 'attention') ui.badge = $('<span class="sx3s-badge">').hide().appendTo(b);
    });
    ui.body = $('<div class="sx3s-body">').appendTo(content);
    $('<style>')
      .text(
        '.sx3s-console .sx3s-nav{margin:6px 0}.sx3s-console button.selected{font-weight:bold}' +
          '.sx3s-badge,.sx3s-tab-badge{background:#c02020;color:#fff;border-radius:8px;padding:0 5px;margin-left:4px;font-size:0.85em}' +
          '.sx3s-entry,.sx3s-ledger,.sx3s-health{border-bottom:1px solid var(--red-ui-secondary-border-color,#ddd);padding:3px 0;cursor:default}' +
          '.sx3s-status{font-weight:bold}.sx3s-status-failed,.sx3s-status-unknown{color:#c02020}.sx3s-status-replayed{color:#3a8a3a}' +
          '.sx3s-actions{float:right}.sx3s-entry-detail,.sx3s-evidence,.sx3s-note{color:var(--red-ui-secondary-text-color,#666);font-size:0.9em}' +
          '.sx3s-json{max-height:240px;overflow:auto;font-size:0.85em}.sx3s-filters input,.sx3s-filters select{margin:2px;max-width:100%}' +
          '.sx3s-facts td{padding:0 6px 0 0}.sx3s-fact{color:var(--red-ui-secondary-text-color,#666)}',
      )
      .appendTo(content);
    return content;
  }

  ns.console = {
    init: function () {
      var content = build();
      RED.sidebar.addTab({
        id: TAB_ID,
        label: 'X3 shipping',
        name: 'X3 shipping',
        iconClass: 'fa fa-truck',
        content: content,
        enableOnEdit: true,
        onchange: function () {
          refresh();
        },
      });
      show('attention');
      RED.comms.subscribe(LIVE_TOPIC, function (topic, msg) {
        if (!msg || msg.configId !== state.configId) return;
        setBadge(msg.counts.total);
        if (state.view === 'attention' && ui.body.is(':visible')) refresh();
      });
      RED.actions.add('sage-x3-shipping:show-console', function () {
        RED.sidebar.show(TAB_ID);
      });
    },
    show: show,
  };
})();
