import zipfile, re, sys
from xml.etree import ElementTree as ET
NS={'m':'http://schemas.openxmlformats.org/spreadsheetml/2006/main','r':'http://schemas.openxmlformats.org/officeDocument/2006/relationships'}
def read_xlsx(path):
    z=zipfile.ZipFile(path)
    shared=[]
    if 'xl/sharedStrings.xml' in z.namelist():
        for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si',NS):
            shared.append(''.join(t.text or '' for t in si.iter('{%s}t'%NS['m'])))
    wb=ET.fromstring(z.read('xl/workbook.xml'))
    rels=ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))
    rmap={r.get('Id'):r.get('Target') for r in rels}
    sheets={}
    for s in wb.find('m:sheets',NS):
        target=rmap[s.get('{%s}id'%NS['r'])]
        x=ET.fromstring(z.read('xl/'+target.lstrip('/').replace('xl/','')))
        rows=[]
        for row in x.iter('{%s}row'%NS['m']):
            cells={}
            for c in row.findall('m:c',NS):
                ref=c.get('r'); col=re.match(r'[A-Z]+',ref).group()
                v=c.find('m:v',NS); t=c.get('t')
                val=None
                if v is not None:
                    val=shared[int(v.text)] if t=='s' else v.text
                else:
                    is_=c.find('m:is',NS)
                    if is_ is not None: val=''.join(tt.text or '' for tt in is_.iter('{%s}t'%NS['m']))
                cells[col]=val
            rows.append(cells)
        sheets[s.get('name')]=rows
    return sheets
if __name__=='__main__':
    sh=read_xlsx(sys.argv[1])
    for name,rows in sh.items():
        print('==',name,len(rows))
        for r in rows[:6]: print(r)
