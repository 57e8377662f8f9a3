import { Method } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { parseArgs, parseProxy, UsageError } from './parse-args.js';

describe('parseArgs', () => {
  it('reads options and the URL in any order, with curl defaults', () => {
    const o = parseArgs(['-v', 'example.test/x', '-H', 'A: 1', '--header=B: 2', '-o', 'out']);
    expect(o).toMatchObject({
      url: 'http://example.test/x', // no scheme means http://, as in curl
      method: undefined,
      headers: ['A: 1', 'B: 2'],
      output: 'out',
      verbose: true,
      follow: false,
      maxRedirects: 50, // curl's default
      timeout: 0,
      maxFilesize: -1,
      progress: undefined,
    });
  });

  it('reads bundled short options and attached values as curl does', () => {
    expect(parseArgs(['-XPOST', 'http://h/'])).toMatchObject({ method: Method.POST });
    expect(parseArgs(['-vXput', 'http://h/'])).toMatchObject({ verbose: true, method: Method.PUT });
    expect(parseArgs(['-kLo', 'f', 'http://h/'])).toMatchObject({
      insecure: true,
      follow: true,
      output: 'f',
    });
    expect(parseArgs(['-ofile', 'http://h/']).output).toBe('file');
    expect(parseArgs(['-o', '-', 'http://h/']).output).toBeNull(); // `-o -` is stdout
  });

  it('reads numbers: seconds, redirect limits (implying -L) and sizes with suffixes', () => {
    expect(parseArgs(['--timeout', '0.5', 'h']).timeout).toBe(0.5);
    // Unlike gdhttp before, and as curl: a limit does not imply -L.
    expect(parseArgs(['--max-redirs', '3', 'h'])).toMatchObject({ maxRedirects: 3, follow: false });
    expect(parseArgs(['--max-redirects=-1', 'h']).maxRedirects).toBe(-1);
    expect(parseArgs(['--max-filesize', '2M', 'h']).maxFilesize).toBe(2 * 1024 * 1024);
    expect(parseArgs(['--max-filesize', '100', 'h']).maxFilesize).toBe(100);
  });

  it('keeps -d parts in order and treats everything after -- as the URL', () => {
    expect(
      parseArgs(['-d', 'a=1', '--json', '{}', '--data', '@f', '--data-urlencode', 'q=a b', 'h'])
        .data,
    ).toEqual([
      { kind: 'data', value: 'a=1' },
      { kind: 'json', value: '{}' },
      { kind: 'data', value: '@f' },
      { kind: 'urlencode', value: 'q=a b' },
    ]);
    expect(parseArgs(['-d', '-1', 'h']).data).toEqual([{ kind: 'data', value: '-1' }]);
    expect(parseArgs(['--', '-weird.test']).url).toBe('http://-weird.test');
  });

  it("reads curl's everyday bundles: -fsSL, -kLo file, -sSw", () => {
    expect(parseArgs(['-fsSL', 'h'])).toMatchObject({
      fail: true,
      silent: true,
      showError: true,
      follow: true,
    });
    expect(parseArgs(['-sSw', '%{http_code}', 'h'])).toMatchObject({ writeOut: '%{http_code}' });
    expect(parseArgs(['-o', '-', 'h'])).toMatchObject({ output: null, outputToTerminal: true });
    expect(parseArgs(['-u', 'a:b', '-A', 'ua', '-e', 'r;auto', 'h']).headers).toEqual([
      'Authorization: Basic YTpi',
      'User-Agent: ua',
      'Referer: r',
    ]);
  });

  it("reads -F parts in order, -T with curl's file name rule, and -C -", () => {
    expect(parseArgs(['-F', 'a=1', '--form-string', 'b=@x;y', '-F', 'f=@p.txt', 'h']).form).toEqual(
      [
        { name: 'a', kind: 'text', value: '1', filename: null, type: null, headers: [] },
        { name: 'b', kind: 'text', value: '@x;y', filename: null, type: null, headers: [] },
        { name: 'f', kind: 'file', value: 'p.txt', filename: 'p.txt', type: null, headers: [] },
      ],
    );
    expect(parseArgs(['-T', 'dir/a b.txt', 'http://h/up/'])).toMatchObject({
      uploadFile: 'dir/a b.txt',
      url: 'http://h/up/a%20b.txt',
    });
    expect(parseArgs(['-T', 'f.bin', 'http://h:8080']).url).toBe('http://h:8080/f.bin');
    expect(parseArgs(['-T', 'f.bin', 'h']).url).toBe('http://h/f.bin');
    expect(parseArgs(['-T', 'f.bin', 'http://h/up/x']).url).toBe('http://h/up/x');
    // curl looks at the URL as text: the query's '?' follows the last '/', so nothing is added.
    expect(parseArgs(['-T', 'f.bin', 'http://h/up/?q=1']).url).toBe('http://h/up/?q=1');
    // stdin has no name to add.
    expect(parseArgs(['-T', '-', 'http://h/up/']).url).toBe('http://h/up/');
    expect(parseArgs(['-C', '-', '-o', 'x', 'h'])).toMatchObject({ resume: true, output: 'x' });
    expect(parseArgs(['-C-', '-O', 'h/x']).resume).toBe(true);
    expect(parseArgs(['-C', '100', '-o', 'x', 'h'])).toMatchObject({
      resume: false,
      resumeFrom: 100,
    });
    // The last -C counts; -C 0 is a plain download, as in curl.
    expect(parseArgs(['-C', '7', '-C', '-', 'h'])).toMatchObject({ resume: true, resumeFrom: 0 });
    expect(parseArgs(['-C', '-', '-C', '0', 'h'])).toMatchObject({ resume: false, resumeFrom: 0 });
    expect(parseArgs(['-F', 'f=@a,b', 'h']).form[0]?.kind).toBe('files');
  });

  it('returns help without needing a URL', () => {
    expect(parseArgs(['--help']).help).toBe(true);
  });

  it.each([
    [[], 'no URL given (see gdhttp --help)'],
    [['a', 'b'], 'one URL at a time, got 2'],
    [['--bogus', 'h'], 'unknown option --bogus (see gdhttp --help)'],
    [['-Lz', 'h'], 'unknown option -z in -Lz (see gdhttp --help)'],
    [['-fsSLZ', 'h'], 'unknown option -Z in -fsSLZ (see gdhttp --help)'],
    [['-F', 'novalue', 'h'], "-F: expected name=content, got 'novalue'"],
    [['-F', 'a=x;type=text', 'h'], "-F: malformed content type 'text' (type=major/minor)"],
    [['-F', 'f=(', 'h'], /^-F: multipart\/mixed parts/],
    [['-F', 'a=b', '-d', 'c', 'h'], '-d and -F cannot be used together'],
    [['-T', 'f', '-F', 'a=b', 'h'], '-F and -T cannot be used together'],
    [['-I', '-T', 'f', 'h'], '-I and -T cannot be used together'],
    [['-T', '', 'h'], '-T needs a file name'],
    [
      ['-C', '-5', '-o', 'x', 'h'],
      "-C: expected '-' (resume from the -o file's size) or a byte offset ≥ 0, got '-5'",
    ],
    [['-C', '10', '-d', 'x', 'h'], '-C 10 resumes downloads, not a -d upload'],
    [['-C', '-', '-T', 'f', 'h'], '-C - resumes downloads (-o, -O), not -T uploads'],
    [['-u', 'user', 'h'], '-u: give the password too, as user:password'],
    [['-O', '-o', 'x', 'h'], '-O and -o cannot be used together'],
    [['h', '-H'], '-H needs a value'],
    [['-vo'], '-o needs a value'],
    [['-k=1', 'h'], 'unknown option -= in -k=1 (see gdhttp --help)'],
    [['--insecure=yes', 'h'], '--insecure takes no value'],
    [['-X', 'FETCH', 'h'], /^-X: unsupported method 'FETCH' \(GET, HEAD, POST/],
    [['-H', 'no colon', 'h'], "-H: a header is 'Name: value', got 'no colon'"],
    [['-H', 'Bad Name: x', 'h'], "-H: a header is 'Name: value', got 'Bad Name: x'"],
    [['-H', 'X: a\r\nInjected: 1', 'h'], /^-H: a header is 'Name: value'/],
    [['--timeout', 'soon', 'h'], "--timeout: expected seconds ≥ 0, got 'soon'"],
    [['--timeout', '-1', 'h'], "--timeout: expected seconds ≥ 0, got '-1'"],
    [['--max-redirects', '1.5', 'h'], "--max-redirects: expected a whole number ≥ -1, got '1.5'"],
    [['--max-filesize', '1T', 'h'], /^--max-filesize: expected bytes/],
    [['-o', '', 'h'], '-o needs a file name'],
    [['ftp://h/'], "unsupported protocol 'ftp' (http and https only)"],
    [['http://exa mple/'], "malformed URL 'http://exa mple/'"],
    [['-I', '-d', 'x', 'h'], '-I and -d cannot be used together'],
  ] as const)('refuses %j with a UsageError', (argv, message) => {
    const run = () => parseArgs(argv);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });
});

describe('parseProxy', () => {
  it('reads host, port and decoded credentials', () => {
    expect(parseProxy('http://u%40x:p%3Aw@proxy.test:3128')).toEqual({
      host: 'proxy.test',
      port: 3128,
      username: 'u@x',
      password: 'p:w',
    });
    expect(parseProxy('[::1]:8080')).toMatchObject({ host: '::1', port: 8080 });
  });

  it("defaults to curl's port 1080, but keeps an explicit :80", () => {
    expect(parseProxy('proxy.test').port).toBe(1080);
    // WHATWG URL drops :80 for http:, which must not become 1080.
    expect(parseProxy('http://proxy.test:80').port).toBe(80);
  });

  it.each([
    ['socks5://p:1080', "unsupported proxy scheme 'socks5' (http only)"],
    ['http://p:0', "no usable port in proxy URL 'http://p:0'"],
    ['http://p:99999', "malformed proxy URL 'http://p:99999'"],
  ])('refuses %s', (raw, message) => {
    expect(() => parseProxy(raw)).toThrow(message);
  });
});
